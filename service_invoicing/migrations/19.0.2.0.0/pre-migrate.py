"""19.0.2.0.0: contracts priced by Odoo's sale order line; posted service shipments; the
Inventory part moved to the bridge service_invoicing_stock.

Before the new models load: existing contract lines keep their prices and contracts their
currency; what 19.0.1 kept on order lines, delivery lines and invoice lines (shipped by
posting, consumed, the delivery an invoice line bills) is set aside in legacy columns that
the post-migration (services) and the bridge's installation (goods) turn into posted shipment
lines; the bridge is installed where Inventory is.
"""

from odoo.tools import SQL, sql


def migrate(cr, version):
    if not version:
        return
    # The last price the pricelist gave is the price of the line: nothing counts as typed,
    # and nothing is repriced until the product, quantity or pricelist changes.
    if not sql.column_exists(cr, 'service_contract_line', 'technical_price_unit'):
        cr.execute("ALTER TABLE service_contract_line ADD COLUMN technical_price_unit numeric")
        cr.execute("UPDATE service_contract_line SET technical_price_unit = price_unit")
    # No pricelist on existing contracts: their currency stays the one they bill in.
    if not sql.column_exists(cr, 'service_contract', 'pricelist_id'):
        cr.execute("ALTER TABLE service_contract ADD COLUMN pricelist_id int4")
    # The exclusion constraint over the billed days replaces the unique period start.
    cr.execute("""ALTER TABLE service_contract_period
                  DROP CONSTRAINT IF EXISTS service_contract_period_contract_period_unique""")
    for table, column, legacy in (
            ('account_move_line', 'service_stock_move_id', 'service_legacy_stock_move_id'),
            ('stock_move', 'service_qty_consumed', 'service_legacy_qty_consumed'),
            ('sale_order_line', 'qty_service_shipped', 'service_legacy_qty_shipped'),
            ('sale_order_line', 'qty_consumed', 'service_legacy_qty_consumed')):
        if sql.column_exists(cr, table, column) and not sql.column_exists(cr, table, legacy):
            cr.execute(SQL("ALTER TABLE %s RENAME COLUMN %s TO %s", SQL.identifier(table),
                           SQL.identifier(column), SQL.identifier(legacy)))
    # Goods were shipped through Odoo's deliveries: the bridge that does it now comes along.
    cr.execute("""
        UPDATE ir_module_module SET state = 'to install'
         WHERE name = 'service_invoicing_stock' AND state = 'uninstalled'
           AND EXISTS (SELECT 1 FROM ir_module_module
                        WHERE name = 'sale_stock' AND state IN ('installed', 'to upgrade'))
    """)
