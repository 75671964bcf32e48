"""A real SMTP server on 127.0.0.1 that writes every message it receives to a folder.

Used by the demo and the end-to-end tests so that Odoo's invoice emails really cross SMTP.
Usage: python tools/smtp_sink.py --port 2525 --dir build/mail [--exit-with-parent]

It can also behave like a busy or strict mail server, to test how the sending copes:
``--refuse-first N`` answers the first N messages ``451 4.7.1 rate limit`` (a temporary
refusal: try later), ``--refuse-for S`` every message during its first S seconds, and
``--reject ADDRESS`` (repeatable) refuses that recipient for good (``550 5.1.1``). Each refusal
is a line of ``refusals.log`` in the folder.
"""

import argparse
import itertools
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller

RATE_LIMIT = '451 4.7.1 rate limit exceeded, try again later'
NO_SUCH_USER = '550 5.1.1 <{address}>: recipient address rejected: mailbox unavailable'


class FolderHandler:
    def __init__(self, folder, refuse_first=0, refuse_for=0.0, reject=()):
        self.folder = folder
        self.counter = itertools.count(1)
        self.refuse_first = refuse_first
        self.refuse_until = time.monotonic() + refuse_for
        self.reject = {address.lower() for address in reject}
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            reply = NO_SUCH_USER.format(address=address)
            self.log_refusal(reply, [address])
            return reply
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.refuse_first or time.monotonic() < self.refuse_until:
            self.refused += 1
            self.log_refusal(RATE_LIMIT, envelope.rcpt_tos)
            return RATE_LIMIT
        name = f'{time.strftime("%Y%m%d-%H%M%S")}-{os.getpid()}-{next(self.counter):05d}.eml'
        path = os.path.join(self.folder, name)
        with open(path + '.part', 'wb') as message_file:
            message_file.write(envelope.original_content or envelope.content)
        os.rename(path + '.part', path)  # a reader never sees half a message
        return '250 Message accepted for delivery'

    def log_refusal(self, reply, recipients):
        with open(os.path.join(self.folder, 'refusals.log'), 'a', encoding='utf-8') as log:
            log.write(f'{time.time():.3f} {reply.split()[0]} {",".join(recipients)}\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--port', type=int, default=2525)
    parser.add_argument('--dir', required=True)
    parser.add_argument(
        '--exit-with-parent', action='store_true',
        help="stop when the process that started this one ends, however it ends (even killed)")
    parser.add_argument('--refuse-first', type=int, default=0, metavar='N',
                        help="answer the first N messages with a temporary refusal (451)")
    parser.add_argument('--refuse-for', type=float, default=0.0, metavar='SECONDS',
                        help="answer every message with a temporary refusal (451) for SECONDS")
    parser.add_argument('--reject', action='append', default=[], metavar='ADDRESS',
                        help="refuse this recipient for good (550); repeatable")
    args = parser.parse_args()
    parent = os.getppid()
    os.makedirs(args.dir, exist_ok=True)
    handler = FolderHandler(args.dir, args.refuse_first, args.refuse_for, args.reject)
    controller = Controller(handler, hostname='127.0.0.1', port=args.port)
    controller.start()
    print(f'SMTP sink listening on 127.0.0.1:{args.port}, writing to {args.dir}', flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    # A sink left running would hold the port and take the next run's mail into this folder.
    while not stop.wait(0.5):
        if args.exit_with_parent and os.getppid() != parent:
            break
    controller.stop()


if __name__ == '__main__':
    main()
