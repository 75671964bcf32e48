from odoo.tools import sql

from odoo.addons.service_invoicing.tools.trusted import trusted


def post_init_hook(env):
    """Deliveries made before the bridge was installed become posted shipments.

    An Odoo that ran Inventory before Service Invoicing, or an upgrade from Service Invoicing
    19.0.1 (whose delivery lines were the shipment lines): every done delivery of an order's
    goods gets its posted shipment. What invoices billed of them is found again from the
    invoices (and from 19.0.1's link of an invoice line to its delivery line, and the
    quantities 19.0.1 consumed, kept aside by the upgrade).
    """
    cr = env.cr
    moves = env['stock.move'].search([
        ('state', '=', 'done'), ('sale_line_id', '!=', False),
        ('service_shipment_line_ids', '=', False)], order='date, id')
    moves._service_post_shipment_lines()
    env.flush_all()
    if sql.column_exists(cr, 'stock_move', 'service_legacy_qty_consumed'):
        cr.execute("""
            SELECT line.id, move.service_legacy_qty_consumed
              FROM service_shipment_line line
              JOIN stock_move move ON move.id = line.stock_move_id
             WHERE move.service_legacy_qty_consumed > 0
        """)
        for line_id, consumed in cr.fetchall():
            trusted(env['service.shipment.line'].browse(line_id)).qty_consumed = consumed
        cr.execute("ALTER TABLE stock_move DROP COLUMN service_legacy_qty_consumed")
    if sql.column_exists(cr, 'account_move_line', 'service_legacy_stock_move_id'):
        cr.execute("""
            UPDATE account_move_line invoice_line
               SET service_shipment_line_id = line.id
              FROM service_shipment_line line
             WHERE line.stock_move_id = invoice_line.service_legacy_stock_move_id
         RETURNING invoice_line.id
        """)
        relinked = env['account.move.line'].browse([row[0] for row in cr.fetchall()])
        relinked.invalidate_recordset(['service_shipment_line_id'])
        relinked.modified(['service_shipment_line_id'])
        cr.execute("ALTER TABLE account_move_line DROP COLUMN service_legacy_stock_move_id")
    env.flush_all()
