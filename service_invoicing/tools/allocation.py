"""What invoices billed of each piece of an order line: its posted shipment lines, its
timesheets or milestones (the Projects bridge). The one allocation of the app and its bridges.

Odoo counts what an order line invoiced, not which shipment, timesheet or milestone: its
Create Invoice bills the line's delivered quantity (and links the timesheets to the invoice).
The backlog needs each piece's share, so the order line's invoice lines are shared over its
pieces:

- a line naming its pieces (the backlog's, or Odoo's timesheets linked to its invoice) bills
  those first, oldest first; a credit note of such a line takes back from them, newest first;
- what remains, and lines naming nothing (typed by hand), is shared over the pieces oldest
  first, never beyond what each may still be billed; net credits take back newest first.

Draft invoices hold quantities too (so that two drafts never bill one hour); draft credit notes
give nothing back until posted. The result, per piece: [posted, on drafts, amount posted].
"""

from odoo.tools import float_compare, float_round

POSTED, DRAFT, AMOUNT, DRAFT_AMOUNT = 0, 1, 2, 3
# The amount of each quantity index.
AMOUNT_OF = {POSTED: AMOUNT, DRAFT: DRAFT_AMOUNT}


def quantity_compare(digits):
    """``float_compare`` at ``digits`` decimals, for the hundred thousand comparisons of a
    backlog computation: two values more than two units of the last decimal apart compare
    by their difference (rounding each moves it by half a unit at most), the others as
    ``float_compare`` does."""
    margin = 2 * 10 ** -digits

    def compare(value1, value2):
        delta = value1 - value2
        if delta > margin:
            return 1
        if delta < -margin:
            return -1
        return float_compare(value1, value2, precision_digits=digits)
    return compare


def rounded(value, digits=None, rounding=None):
    """``float_round`` of ``value``, at once for zero (most figures of a backlog item)."""
    if not value:
        return 0.0
    return float_round(value, precision_digits=digits, precision_rounding=rounding)


def share_invoiced(pieces, invoice_lines, compare, cap_linked=True):
    """``pieces``: [(key, billable quantity)] oldest first. ``invoice_lines``: [(state,
    move type, quantity, untaxed amount, linked keys)] in the order line's unit, state
    'posted' or 'draft'. ``compare(a, b)`` compares quantities at the unit's rounding.
    ``cap_linked``: a line naming its pieces bills them within what they may still be billed
    (the rest shared as if it named none); without, it counts whole for the piece it names
    (a shipment line: what it bills beyond what was shipped shows, and posting refuses it).
    Returns {key: [posted, on drafts, amount posted, amount on drafts]}."""
    billable = dict(pieces)
    order = [key for key, _quantity in pieces]
    figures = {key: [0.0, 0.0, 0.0, 0.0] for key in order}
    unlinked = [0.0, 0.0]
    unlinked_amount = [0.0, 0.0]

    def room(key, index):
        return billable[key] - figures[key][POSTED] - (figures[key][DRAFT] if index else 0.0)

    def count_whole(keys, quantity, amount, index):
        """A line naming one piece, uncapped: the piece takes the whole quantity (a credit
        note takes it back whole, below nothing if it credits more than was billed)."""
        figures[keys[0]][index] += quantity
        figures[keys[0]][AMOUNT_OF[index]] += amount
        return 0.0

    def take(keys, quantity, amount, index):
        """Bill ``quantity`` over ``keys`` oldest first; what does not fit is returned."""
        rest = quantity
        for key in keys:
            if compare(rest, 0.0) <= 0:
                break
            taken = max(min(room(key, index), rest), 0.0)
            if compare(taken, 0.0) > 0:
                figures[key][index] += taken
                if quantity:
                    figures[key][AMOUNT_OF[index]] += amount * taken / quantity
                rest -= taken
        return rest

    def give_back(keys, quantity, amount):
        """Credit ``quantity`` (posted) from ``keys`` newest first; the rest is returned."""
        rest = quantity
        for key in reversed(keys):
            if compare(rest, 0.0) <= 0:
                break
            taken = max(min(figures[key][POSTED], rest), 0.0)
            if compare(taken, 0.0) > 0:
                figures[key][POSTED] -= taken
                if quantity:
                    figures[key][AMOUNT] -= amount * taken / quantity
                rest -= taken
        return rest

    ranked = sorted(invoice_lines, key=lambda line: (
        line[1] == 'out_refund', line[0] == 'draft'))
    for state, move_type, quantity, amount, linked in ranked:
        keys = [key for key in order if key in linked]
        if move_type == 'out_refund':
            if state != 'posted':
                continue
            if keys and not cap_linked:
                count_whole(keys, -quantity, -amount, POSTED)
                continue
            rest = give_back(keys, quantity, amount)
            unlinked[POSTED] -= rest
            if quantity:
                unlinked_amount[POSTED] -= amount * rest / quantity
            continue
        index = POSTED if state == 'posted' else DRAFT
        if keys and not cap_linked:
            count_whole(keys, quantity, amount, index)
            continue
        rest = take(keys, quantity, amount, index)
        unlinked[index] += rest
        if quantity:
            unlinked_amount[index] += amount * rest / quantity
    for index in (POSTED, DRAFT):
        rest = unlinked[index]
        if compare(rest, 0.0) > 0:
            take(order, rest, unlinked_amount[index], index)
        elif index == POSTED and compare(rest, 0.0) < 0:
            give_back(order, -rest, -unlinked_amount[POSTED])
    return figures
