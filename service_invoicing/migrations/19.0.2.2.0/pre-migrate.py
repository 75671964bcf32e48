"""19.0.2.2.0: field names follow docs/glossary.md, quantities ``qty_*``, statuses ``*_status``.

Before the new code loads, each stored field renamed keeps its column and its values, and
what Odoo knows of it (``tools/migration.rename_fields``): nothing is computed again. An
invoice's one sending status, ``service_sending_status``, takes the sending workers' own
states (Sending, Retrying) that it read as Queued; their column, ``service_send_state``, goes
with its field at the end of the upgrade.
"""

from odoo.tools import sql

from odoo.addons.service_invoicing.tools.migration import rename_fields, rename_in_views


def migrate(cr, version):
    if not version:
        return
    rename_fields(cr, 'service_invoicing', 'service.billing.item', [
        ('quantity', 'qty_to_invoice'),
        ('quantity_billable', 'qty_billable'),
        ('quantity_invoiced', 'qty_invoiced'),
        ('quantity_in_draft', 'qty_in_draft'),
        ('payment_state', 'payment_status'),
    ])
    rename_fields(cr, 'service_invoicing', 'service.shipment.line', [('quantity', 'qty_posted')])
    # A delivery's invoicing status was this module's until 19.0.2 (the Inventory bridge's
    # since, which renames it where it has it).
    rename_fields(cr, 'service_invoicing', 'stock.picking',
                  [('service_invoice_state', 'service_invoice_status')])
    if sql.column_exists(cr, 'account_move', 'service_send_state'):
        cr.execute("""
            UPDATE account_move SET service_sending_status = service_send_state
             WHERE service_send_state IS NOT NULL AND service_sending_status IS NOT NULL
        """)
        # Until their file loads them again, the invoice views name the one that stays (the
        # invoice form, loaded first, checks them).
        rename_in_views(cr, 'service_invoicing', 'account.move', 'service_send_state',
                        'service_sending_status')
