from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    service_contract_id = fields.Many2one(
        'service.contract', index='btree_not_null', copy=False,
        check_company=True, domain="[('state', '!=', 'cancelled')]",
        help="The service contract this order serves: a contract invoiced after service waits "
             "for a delivered order.")
