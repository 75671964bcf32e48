"""19.0.2.0.0: what 19.0.1 shipped by posting (services) becomes posted shipments.

19.0.1 kept on each order line the quantity its postings shipped and consumed, without a
shipment document: each such order gets one posted shipment dated on its order date (the date
19.0.1's Combine Shipments went by), with one line per order line. What invoices billed of
them is found again from the invoices themselves (a shipment line counts the invoice lines of
its order line). Goods shipped through deliveries are taken over by the Inventory bridge when
it installs (service_invoicing_stock's post-init hook).
"""

from collections import defaultdict

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, sql


def migrate(cr, version):
    if not version or not sql.column_exists(cr, 'sale_order_line', 'service_legacy_qty_shipped'):
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute("""
        SELECT id, service_legacy_qty_shipped, COALESCE(service_legacy_qty_consumed, 0)
          FROM sale_order_line
         WHERE qty_delivered_method = 'service_posting' AND service_legacy_qty_shipped > 0
         ORDER BY order_id, id
    """)
    shipped = defaultdict(list)
    for line_id, quantity, consumed in cr.fetchall():
        line = env['sale.order.line'].browse(line_id)
        shipped[line.order_id].append(
            {'order_line_id': line_id, 'qty_posted': quantity, 'qty_consumed': consumed})
    Shipment = env['service.shipment']
    for order, lines_vals in shipped.items():
        Shipment._post_shipment(order, order.date_order.date(), lines_vals)
    env.flush_all()
    for column in ('service_legacy_qty_shipped', 'service_legacy_qty_consumed'):
        cr.execute(SQL("ALTER TABLE sale_order_line DROP COLUMN IF EXISTS %s",
                       SQL.identifier(column)))
