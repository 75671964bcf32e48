"""19.0.1.1.0: a delivery's invoicing status is ``service_invoice_status``, as statuses are
named in docs/glossary.md (``service_invoice_state`` before): the column keeps its values."""

from odoo.addons.service_invoicing.tools.migration import rename_fields


def migrate(cr, version):
    if not version:
        return
    rename_fields(cr, 'service_invoicing_stock', 'stock.picking',
                  [('service_invoice_state', 'service_invoice_status')])
