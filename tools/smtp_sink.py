"""A real SMTP server on 127.0.0.1 that writes every message it receives to a folder.

Used by the demo and the end-to-end tests so that Odoo's invoice emails really cross SMTP.
Usage: python tools/smtp_sink.py --port 2525 --dir build/mail [--exit-with-parent]
"""

import argparse
import itertools
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller


class FolderHandler:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        name = f'{time.strftime("%Y%m%d-%H%M%S")}-{os.getpid()}-{next(self.counter):05d}.eml'
        path = os.path.join(self.folder, name)
        with open(path + '.part', 'wb') as message_file:
            message_file.write(envelope.original_content or envelope.content)
        os.rename(path + '.part', path)  # a reader never sees half a message
        return '250 Message accepted for delivery'


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--port', type=int, default=2525)
    parser.add_argument('--dir', required=True)
    parser.add_argument(
        '--exit-with-parent', action='store_true',
        help="stop when the process that started this one ends, however it ends (even killed)")
    args = parser.parse_args()
    parent = os.getppid()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(FolderHandler(args.dir), hostname='127.0.0.1', port=args.port)
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
