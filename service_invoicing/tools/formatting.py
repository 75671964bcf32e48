"""Numbers and dates in messages as the user reads them: their language's separators and date
format, a quantity with the precision of Odoo's Product Unit, an amount with its currency (never
``12.0``, ``-5000.0`` or ``2026-01-31``)."""

import math

from odoo.tools import format_amount, format_date, formatLang

# Beyond this, a figure is a typing error, not a quantity: written as Python writes it
# (``1e+300``), not as three hundred digits.
HUGE = 1e15


def _typed(value):
    """``value`` as Python writes it when it is no figure to read (``nan``, ``inf``,
    ``1e+300``), else None."""
    if value and (not math.isfinite(value) or abs(value) >= HUGE):
        return f'{value:g}'
    return None


def format_quantity(env, quantity):
    """``quantity`` with the Product Unit precision, in the user's language (``12.00``); one
    that is not a number, or absurdly large, as Python writes it (``nan``, ``1e+300``), to
    name what was typed."""
    return _typed(quantity) or formatLang(
        env, quantity or 0.0, digits=env['decimal.precision'].precision_get('Product Unit'))


def format_money(env, amount, currency):
    """``amount`` with its currency's symbol, position and rounding (``$ 5,000.00``)."""
    return format_amount(env, amount or 0.0, currency)


def format_percentage(env, share):
    """A share (``0.3``) as a percentage in the user's language (``30.00 %``)."""
    percent = (share or 0.0) * 100
    return f'{_typed(percent) or formatLang(env, percent, digits=2)} %'


def format_period(env, period_start, period_end):
    """A period as users read it on an invoice line, in the language's date format, as the
    lines of time and milestones read their dates: ``01/01/2026 - 03/31/2026`` in English."""
    return f'{format_date(env, period_start)} - {format_date(env, period_end)}'
