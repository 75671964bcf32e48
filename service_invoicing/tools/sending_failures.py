"""What a failed invoice email means: try again later, or give up and tell a person.

Odoo keeps a refused email as a ``mail.mail`` in state *exception* with a failure type and the
text of the exception (``failure_reason``), e.g. ``SMTPDataError: (451, b'4.7.1 rate limit')``,
and never tries it again. These functions read that text (no ORM, tested without a database).
"""

import re

# Defaults of the system parameters (seconds and tries).
DEFAULT_PAUSE_SECONDS = 60
DEFAULT_MAX_ATTEMPTS = 8
# The longest wait between two tries of one invoice.
MAX_RETRY_DELAY = 3600

# Odoo's failure types that no new try can change: the addresses are wrong or refused.
PERMANENT_FAILURE_TYPES = {
    'mail_email_invalid', 'mail_email_missing', 'mail_from_invalid', 'mail_from_missing',
    'mail_spam', 'mail_bl', 'mail_optout', 'mail_dup',
}
# How mail services word a limit on sending, sometimes with a permanent 5xx code (Gmail's
# "550 5.4.5 Daily user sending limit exceeded", Microsoft's "SubmissionQuotaExceeded").
RATE_LIMIT_WORDS = (
    'rate limit', 'ratelimit', 'rate-limit', 'too many', 'quota', 'limit exceeded',
    'sending limit', 'try again later', 'throttl', 'slow down',
)
# A server reply as Python's smtplib puts it in its exceptions: (451, b'4.7.1 rate limit').
_SMTP_REPLY = re.compile(r"\((\d{3}), b?(['\"])(.*?)\2")


class Failure:
    """One failed try: ``temporary`` failures are tried again; ``server`` ones came from the
    mail server (a refusal, a lost connection) and pause the queue; ``reason`` is for people."""

    __slots__ = ('reason', 'server', 'temporary')

    def __init__(self, reason, temporary, server):
        self.reason, self.temporary, self.server = reason, temporary, server

    def __repr__(self):
        return f'Failure({self.reason!r}, temporary={self.temporary}, server={self.server})'


def smtp_reply(text):
    """The first SMTP reply in ``text`` as ``(code, message)``, or ``(None, '')``."""
    match = _SMTP_REPLY.search(text or '')
    if not match:
        return None, ''
    return int(match.group(1)), ' '.join(match.group(3).replace('\\r', '').split('\\n')).strip()


def is_rate_limit(text):
    """Whether ``text`` says the server limits how fast or how much it accepts."""
    lowered = (text or '').lower()
    return any(words in lowered for words in RATE_LIMIT_WORDS)


def mail_failure(failure_type, failure_reason):
    """The :class:`Failure` of a ``mail.mail`` that Odoo left in state *exception*.

    A 4xx reply, or a rate limit in any words, is temporary; another 5xx reply is permanent,
    as are the failure types of wrong addresses. Without a reply (connection refused, server
    unreachable, an unknown error) it is temporary: the attempts limit ends it. Odoo gives no
    failure type to the emails it could not connect for, and ``mail_smtp`` to the others the
    server cut off: both come from the server.
    """
    code, message = smtp_reply(failure_reason)
    if code:
        reason = f'{code} {message}'.strip()
        temporary = 400 <= code < 500 or is_rate_limit(message)
        return Failure(reason, temporary=temporary, server=True)
    reason = last_line(failure_reason) or failure_type or 'unknown error'
    if failure_type in PERMANENT_FAILURE_TYPES:
        return Failure(reason, temporary=is_rate_limit(failure_reason), server=False)
    return Failure(reason, temporary=True, server=not failure_type or failure_type == 'mail_smtp')


def retry_delay(attempts, pause_seconds):
    """Seconds to wait before the next try after ``attempts`` tries: the pause, doubled at each
    try, at most an hour."""
    return min(pause_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def last_line(text):
    """The last non-empty line of an error text (Odoo puts the cause last)."""
    lines = [line.strip() for line in (text or '').splitlines() if line.strip()]
    return lines[-1] if lines else ''
