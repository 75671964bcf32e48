"""Period arithmetic of service contracts, following Business Central's rules.

Periods follow calendar months and are aligned on the month of the contract's starting
date: a quarterly contract starting in February bills February-April, May-July, and so on.
A start in the middle of a month gives a shorter first period and an expiration date a
shorter last one; both are prorated by days. Amounts are exact over a contract year: every
full period bills ``round(annual / periods)`` and the last period of each contract year
takes what rounding left over, so twelve monthly invoices sum to the annual amount.

Pure functions on dates and floats: no ORM, so the batch can plan thousands of periods
without a query.
"""

from collections import namedtuple
from datetime import timedelta

from dateutil.relativedelta import relativedelta

MONTHS_PER_PERIOD = {
    'month': 1,
    'two_months': 2,
    'quarter': 3,
    'half_year': 6,
    'year': 12,
}

Period = namedtuple('Period', 'start end full_start full_end index')


def periods_per_year(invoice_period):
    """Number of invoice periods in a year, 0 for the period "none"."""
    months = MONTHS_PER_PERIOD.get(invoice_period)
    return 12 // months if months else 0


def period_containing(day, date_start, invoice_period):
    """The full (unprorated) period of a contract that contains ``day``, with its index.

    The index counts periods from the one that holds the starting date (index 0).
    """
    months = MONTHS_PER_PERIOD[invoice_period]
    anchor = date_start.replace(day=1)
    elapsed = (day.year - anchor.year) * 12 + day.month - anchor.month
    index = elapsed // months
    full_start = anchor + relativedelta(months=index * months)
    full_end = full_start + relativedelta(months=months) - timedelta(days=1)
    return full_start, full_end, index


def next_period(date_start, date_end, invoice_period, invoiced_until):
    """The next period to invoice, or None when nothing is left to invoice.

    :param invoiced_until: last day already invoiced, or None when nothing was invoiced yet
    """
    if invoice_period not in MONTHS_PER_PERIOD or not date_start:
        return None
    start = invoiced_until + timedelta(days=1) if invoiced_until else date_start
    start = max(start, date_start)
    if date_end and start > date_end:
        return None
    full_start, full_end, index = period_containing(start, date_start, invoice_period)
    end = min(full_end, date_end) if date_end else full_end
    return Period(start, end, full_start, full_end, index)


def invoice_date_of(period, prepaid):
    """Business Central's next invoice date: first day of the period if prepaid, else last."""
    return period.start if prepaid else period.end


def period_amount(annual_amount, invoice_period, period, rounding):
    """Amount billed for ``period`` of a contract whose annual amount is ``annual_amount``.

    :param rounding: a function rounding an amount to the currency's precision
    """
    count = periods_per_year(invoice_period)
    if not count:
        return 0.0
    regular = rounding(annual_amount / count)
    full = regular
    if (period.index + 1) % count == 0:
        # Last period of a contract year: it takes the rounding difference of the year.
        full = rounding(annual_amount - regular * (count - 1))
    if period.start == period.full_start and period.end == period.full_end:
        return full
    full_days = (period.full_end - period.full_start).days + 1
    days = (period.end - period.start).days + 1
    return rounding(full * days / full_days)


def due_periods(date_start, date_end, invoice_period, prepaid, invoiced_until, invoice_to_date,
                limit=1200):
    """Every period whose invoice date is on or before ``invoice_to_date`` (catch-up)."""
    periods = []
    while len(periods) < limit:
        period = next_period(date_start, date_end, invoice_period, invoiced_until)
        if not period or invoice_date_of(period, prepaid) > invoice_to_date:
            break
        periods.append(period)
        invoiced_until = period.end
    return periods

