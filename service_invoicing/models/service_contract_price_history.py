from odoo import api, fields, models
from odoo.exceptions import UserError


class ServiceContractPriceHistory(models.Model):
    """A change of a contract line's unit price, from the date it takes effect.

    Written only by an applied price update (``service.price.update``), never changed after:
    periods starting before the effective date are billed at the old price, the others at the
    new one (``service.contract._annual_amount_on``).
    """

    _name = 'service.contract.price.history'
    _description = "Contract Line Price Change"
    _order = 'effective_date, id'

    contract_line_id = fields.Many2one(
        'service.contract.line', required=True, ondelete='cascade',
        index=True, readonly=True)
    contract_id = fields.Many2one(
        related='contract_line_id.contract_id', store=True, index=True)
    company_id = fields.Many2one(related='contract_line_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='contract_line_id.currency_id')
    product_id = fields.Many2one(related='contract_line_id.product_id')
    effective_date = fields.Date(required=True, readonly=True)
    old_price = fields.Float(digits='Product Price', readonly=True)
    new_price = fields.Float(digits='Product Price', readonly=True)
    update_id = fields.Many2one(
        'service.price.update', string="Price Update", ondelete='restrict', readonly=True,
        index='btree_not_null')
    user_id = fields.Many2one(
        'res.users', string="Applied By", readonly=True, default=lambda self: self.env.user)

    @api.model_create_multi
    def create(self, vals_list):
        self.check_access('create')
        changes = super().create(vals_list)
        changes._check_may_take_effect()
        return changes

    def write(self, vals):
        if self:
            raise UserError(self.env._(
                "A price change of contract %(contract)s is history: it cannot be changed. "
                "Apply another price update instead.", contract=self[0].contract_id.display_name))
        return super().write(vals)

    def _check_may_take_effect(self):
        """The rules of a price change, for every path that writes one: never inside a period
        already billed, never before the contract's price binding date, never before a change
        already applied to the contract."""
        for change in self:
            contract = change.contract_id
            refusal = contract._price_update_refusal(change.effective_date, ignore=change)
            if refusal:
                raise UserError(refusal)

