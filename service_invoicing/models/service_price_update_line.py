from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.formatting import format_money
from .service_contract_line import not_finite


class ServicePriceUpdateLine(models.Model):
    """A contract line of a price update's proposal: its price now and the price proposed,
    which the manager may edit, or drop the line, before Apply."""

    _name = 'service.price.update.line'
    _description = "Contract Price Update Line"
    _order = 'update_id, contract_id, id'

    update_id = fields.Many2one(
        'service.price.update', string="Price Update", required=True, ondelete='cascade',
        index=True, readonly=True)
    company_id = fields.Many2one(related='update_id.company_id', store=True, index=True)
    contract_line_id = fields.Many2one(
        'service.contract.line', required=True, ondelete='cascade',
        index=True, readonly=True)
    contract_id = fields.Many2one(
        related='contract_line_id.contract_id', string="Contract", store=True, index=True)
    partner_id = fields.Many2one(related='contract_id.partner_id', string="Customer")
    product_id = fields.Many2one(related='contract_line_id.product_id')
    quantity = fields.Float(related='contract_line_id.quantity')
    discount = fields.Float(related='contract_line_id.discount')
    currency_id = fields.Many2one(related='contract_line_id.currency_id')
    old_price = fields.Float(digits='Product Price', readonly=True)
    new_price = fields.Float(digits='Product Price', required=True)
    old_annual_amount = fields.Monetary(
        string="Old Amount per Year", compute='_compute_amounts',
        help="What the line bills a year at its old price.")
    new_annual_amount = fields.Monetary(
        string="New Amount per Year", compute='_compute_amounts',
        help="What the line bills a year at the new price.")
    change_percent = fields.Float(string="Change %", compute='_compute_amounts', digits=(16, 2))

    @api.depends('old_price', 'new_price', 'contract_line_id.quantity',
                 'contract_line_id.discount')
    def _compute_amounts(self):
        for line in self:
            contract_line = line.contract_line_id
            line.old_annual_amount = contract_line and contract_line._amount_per_year_at(
                line.old_price)
            line.new_annual_amount = contract_line and contract_line._amount_per_year_at(
                line.new_price)
            line.change_percent = (line.new_price - line.old_price) / line.old_price * 100.0 \
                if line.old_price else 0.0

    @api.constrains('new_price')
    def _check_new_price(self):
        for line in self:
            line._check_price(line.new_price)

    @api.model_create_multi
    def create(self, vals_list):
        self.env['service.price.update']._check_manager()
        for vals in vals_list:
            self._check_finite_price(vals)
        lines = super().create(vals_list)
        lines.update_id._check_reviewable()
        return lines

    def write(self, vals):
        self.env['service.price.update']._check_manager()
        if set(vals) - {'new_price'}:
            raise UserError(self.env._(
                "Only the new price of a proposal line can be changed (%(contract)s).",
                contract=self[:1].contract_id.display_name))
        self._check_finite_price(vals)
        self.update_id._check_reviewable()
        return super().write(vals)

    def unlink(self):
        """Drop lines from the proposal: Apply leaves their prices as they are."""
        self.env['service.price.update']._check_manager()
        self.update_id.filtered(lambda run: run.state == 'applied')._check_reviewable()
        return super().unlink()

    def _check_finite_price(self, vals):
        # Before Odoo rounds it: a NaN would crash the rounding, not be refused.
        for number in not_finite(vals, ('new_price',)):
            self._check_price(number)

    def _check_price(self, price):
        """A new price is a number, 0 or more."""
        contract_line = self.contract_line_id or self.env['service.contract.line']
        what = self.env._("The new price of %(product)s on contract %(contract)s",
                          product=self.product_id.display_name,
                          contract=self.contract_id.display_name)
        (self.company_id or self.env.company)._service_check_finite(what, price)
        if price < 0:
            raise ValidationError(self.env._(
                "%(what)s cannot be negative (%(price)s).", what=what,
                price=format_money(self.env, price, contract_line.currency_id)))

