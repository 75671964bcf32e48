from odoo import api, fields, models


class ServicePriceIndex(models.Model):
    """A price index (a consumer price index, a wage index...) whose values a price update
    applies: new price = old price x new value / base value."""

    _name = 'service.price.index'
    _description = "Price Index"
    _order = 'name, id'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        'res.company', index=True, help="Empty: the index is shared by every company.")
    active = fields.Boolean(default=True)
    value_ids = fields.One2many('service.price.index.value', 'index_id', string="Values",
                                copy=True)
    last_value_id = fields.Many2one(
        'service.price.index.value', string="Latest Value", compute='_compute_last_value_id')

    @api.depends('value_ids.date', 'value_ids.value')
    def _compute_last_value_id(self):
        for index in self:
            index.last_value_id = index.value_ids.sorted('date')[-1:]
