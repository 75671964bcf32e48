from odoo import api, fields, models


class ServiceContractLine(models.Model):
    _name = 'service.contract.line'
    _description = "Service Contract Line"
    _inherit = ['analytic.mixin']
    _order = 'contract_id, sequence, id'
    _check_company_auto = True

    contract_id = fields.Many2one(
        'service.contract', required=True, ondelete='cascade', index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related='contract_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='contract_id.currency_id')
    product_id = fields.Many2one(
        'product.product', required=True, check_company=True,
        domain="[('sale_ok', '=', True), ('type', 'in', ('service', 'consu'))]")
    name = fields.Text(
        string="Description", compute='_compute_name', store=True, readonly=False,
        precompute=True, required=True)
    quantity = fields.Float(default=1.0, digits='Product Unit')
    product_uom_id = fields.Many2one(
        'uom.uom', string="Unit", compute='_compute_product_uom_id', store=True,
        readonly=False, precompute=True)
    price_unit = fields.Float(
        string="Unit Price per Year", digits='Product Price',
        compute='_compute_price_unit', store=True, readonly=False, precompute=True)
    discount = fields.Float(string="Discount (%)", digits='Discount')
    tax_ids = fields.Many2many(
        'account.tax', string="Taxes", check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        compute='_compute_tax_ids', store=True, readonly=False, precompute=True)
    line_amount = fields.Monetary(
        string="Line Amount per Year", compute='_compute_line_amount', store=True)

    @api.depends('product_id')
    def _compute_name(self):
        for line in self:
            line.name = line.product_id.get_product_multiline_description_sale() \
                if line.product_id else line.name

    @api.depends('product_id')
    def _compute_product_uom_id(self):
        for line in self:
            line.product_uom_id = line.product_id.uom_id

    @api.depends('product_id')
    def _compute_price_unit(self):
        for line in self:
            line.price_unit = line.product_id.lst_price

    @api.depends('product_id', 'contract_id.fiscal_position_id')
    def _compute_tax_ids(self):
        for line in self:
            company = line.contract_id.company_id or self.env.company
            taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
            line.tax_ids = line.contract_id.fiscal_position_id.map_tax(taxes)

    @api.depends('quantity', 'price_unit', 'discount', 'contract_id.currency_id')
    def _compute_line_amount(self):
        for line in self:
            line.line_amount = line.contract_id.currency_id.round(
                line.quantity * line.price_unit * (1 - line.discount / 100.0))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.contract_id._check_open_for_changes()
        return lines

    def write(self, vals):
        self.contract_id._check_open_for_changes()
        return super().write(vals)

    def unlink(self):
        self.contract_id._check_open_for_changes()
        return super().unlink()
