"""19.0.2.2.0: field names follow docs/glossary.md, quantities ``qty_*``, statuses ``*_status``.

Before the new code loads, each stored field renamed keeps its column and its values, and
what Odoo knows of it (``tools/migration.rename_fields``): nothing is computed again.
"""

from odoo.addons.service_invoicing.tools.migration import rename_fields


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
