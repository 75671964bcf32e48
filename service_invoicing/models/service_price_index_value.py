from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .service_contract_line import not_finite


class ServicePriceIndexValue(models.Model):
    """The value of a price index for a month (its first day) or a date."""

    _name = 'service.price.index.value'
    _description = "Price Index Value"
    _order = 'index_id, date desc, id desc'
    _rec_names_search = ['index_id', 'date']

    index_id = fields.Many2one(
        'service.price.index', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='index_id.company_id', store=True, index=True)
    date = fields.Date(string="Month or Date", required=True,
                       help="The month (its first day) or the date this value is published for.")
    value = fields.Float(required=True, digits=(16, 4))

    _index_date_unique = models.Constraint(
        'UNIQUE(index_id, date)', "An index has one value per date.")

    @api.depends('index_id', 'date', 'value')
    def _compute_display_name(self):
        for value in self:
            value.display_name = self.env._(
                "%(index)s, %(date)s: %(value)s", index=value.index_id.name or '',
                date=format_date(self.env, value.date), value=value.value)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_finite_value(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_finite_value(vals)
        return super().write(vals)

    def _check_finite_value(self, vals):
        # Before Odoo rounds it: a NaN would crash the rounding, not be refused.
        self.env.company._service_check_finite(
            self[:1].display_name or self.env._("Index value"), *not_finite(vals, ('value',)))

    @api.constrains('value')
    def _check_value(self):
        for value in self:
            value.company_id._service_check_finite(value.display_name, value.value)
            if value.value <= 0:
                raise ValidationError(self.env._(
                    "The value of index %(index)s on %(date)s must be above 0: prices are "
                    "multiplied by new value / base value.", index=value.index_id.name,
                    date=format_date(self.env, value.date)))
