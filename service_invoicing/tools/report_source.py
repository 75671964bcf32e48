"""What an origin of a test report would do (``_service_test_report_source``)."""

from dataclasses import dataclass, field


@dataclass
class ReportSource:
    """What an origin would do: the invoices its batch would create (``vals_list``, the
    batch's own values) or the drafts it would post (``moves``), with its options and the
    refusals the batch computes: ``problems`` = [(level, kind, message)].

    ``rows``: what the batch does with each contract or order it was given, one dict each:
    ``status`` ('invoice', 'skipped' or 'refused'), ``contract_id`` or ``order_id``,
    ``partner_id``, ``currency_id``, ``period_start``, ``period_end``, ``amount``,
    ``invoice`` (the index in ``vals_list`` of the invoice that bills it), ``message`` (why
    it is skipped or refused) and ``warning``."""

    options: str = ''
    vals_list: list = field(default_factory=list)
    moves: object = None  # account.move records, or None
    post: bool = False
    send: bool = False
    problems: list = field(default_factory=list)
    rows: list = field(default_factory=list)
