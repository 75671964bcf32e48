"""19.0.1.2.0: contract lines are priced by Odoo's sale order line, through a pricelist.

Contracts and lines made before keep what they bill: the new columns are filled here, before
Odoo would compute them, so that no upgrade reprices a line or changes a contract's currency.
"""


def migrate(cr, version):
    if not version:
        return
    # The last price the pricelist gave is the price of the line: nothing counts as typed,
    # and nothing is repriced until the product, quantity or pricelist changes.
    cr.execute("""
        ALTER TABLE service_contract_line
        ADD COLUMN IF NOT EXISTS technical_price_unit numeric
    """)
    cr.execute("UPDATE service_contract_line SET technical_price_unit = price_unit")
    # No pricelist on existing contracts: their currency stays the one they bill in.
    cr.execute("ALTER TABLE service_contract ADD COLUMN IF NOT EXISTS pricelist_id int4")
