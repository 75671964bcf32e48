"""19.0.2.1.0: honest figures (docs/glossary.md).

Backlog items show every source's billable, invoiced and in-draft quantities, their value
whatever their status (waiting, to invoice, in draft invoices, invoiced), a contract period's
invoiced amount only once posted, and a payment state only once invoiced; an order line billed
on time or milestones shows what its backlog items left shipped not invoiced. The new columns
are computed when they are added; the figures of the columns that existed are computed again
here, once every bridge is loaded (their items compute by the bridges' rules).
"""

from odoo import SUPERUSER_ID, api

RECOMPUTED = ('_compute_billing', '_compute_amounts_by_status', '_compute_payment_status')


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Item = env['service.billing.item']
    items = Item.search([])
    for field in Item._fields.values():
        if field.store and field.compute in RECOMPUTED:
            env.add_to_compute(field, items)
    OrderLine = env['sale.order.line']
    env.add_to_compute(OrderLine._fields['service_qty_shipped_not_invoiced'],
                       OrderLine.search([('state', '=', 'sale')]))
    env.flush_all()
