"""Numbers in messages as the user reads them: their language's separators, a quantity with the
precision of Odoo's Product Unit, an amount with its currency (never ``12.0`` or ``-5000.0``)."""

from odoo.tools import format_amount, formatLang


def format_quantity(env, quantity):
    """``quantity`` with the Product Unit precision, in the user's language (``12.00``)."""
    return formatLang(env, quantity or 0.0,
                      digits=env['decimal.precision'].precision_get('Product Unit'))


def format_money(env, amount, currency):
    """``amount`` with its currency's symbol, position and rounding (``$ 5,000.00``)."""
    return format_amount(env, amount or 0.0, currency)
