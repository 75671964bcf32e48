import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import CONTRACT_LINE_DERIVED_FIELDS, CONTRACT_MAX_LINE_AMOUNT
from ..tools.formatting import format_money
from ..tools.trusted import is_trusted

# The numbers of a line that price it: never NaN or infinite.
LINE_NUMBER_FIELDS = ('quantity', 'price_unit', 'discount')


def not_finite(values, names):
    """The values of ``names`` in ``values`` that are NaN or infinite (as a float field
    reads them: the text 'nan' too)."""
    found = []
    for name in names:
        value = values.get(name)
        if isinstance(value, (float, str)):
            try:
                value = float(value)
            except ValueError:
                continue  # not a number at all: the field refuses it
            if not math.isfinite(value):
                found.append(value)
    return found


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
        compute='_compute_price_unit', store=True, readonly=False, precompute=True,
        help="As a sale order line of the contract's customer, pricelist and fiscal position "
             "prices the product, unless typed.")
    technical_price_unit = fields.Float(
        digits='Product Price', compute='_compute_price_unit', store=True, precompute=True,
        help="The price the pricelist gave: a price that differs from it was typed and stays.")
    discount = fields.Float(
        string="Discount (%)", digits='Discount',
        compute='_compute_price_unit', store=True, readonly=False, precompute=True)
    tax_ids = fields.Many2many(
        'account.tax', string="Taxes", check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        compute='_compute_tax_ids', store=True, readonly=False, precompute=True)
    line_amount = fields.Monetary(
        string="Line Amount per Year", compute='_compute_line_amount', store=True)
    price_history_ids = fields.One2many(
        'service.contract.price.history', 'contract_line_id', readonly=True)

    @api.depends('product_id')
    def _compute_name(self):
        for line in self:
            line.name = line.product_id.get_product_multiline_description_sale() \
                if line.product_id else line.name

    @api.depends('product_id')
    def _compute_product_uom_id(self):
        for line in self:
            line.product_uom_id = line.product_id.uom_id

    @api.depends('product_id', 'product_uom_id', 'quantity', 'contract_id.pricelist_id',
                 'contract_id.currency_id', 'contract_id.fiscal_position_id')
    def _compute_price_unit(self):
        """Odoo's own sale order line prices the product: pricelist rules and discounts, the
        contract's currency, included taxes adjusted to the fiscal position's taxes."""
        to_price = self.filtered(lambda line: line.product_id and not line._has_typed_price())
        prices = to_price._sale_order_line_prices()
        for line in self - to_price:
            if not line.product_id:
                line.update({'price_unit': 0.0, 'technical_price_unit': 0.0, 'discount': 0.0})
        for line in to_price:
            price_unit, discount = prices[line]
            line.update({'price_unit': price_unit, 'technical_price_unit': price_unit,
                         'discount': discount})

    @api.depends('product_id', 'contract_id.fiscal_position_id', 'contract_id.company_id')
    def _compute_tax_ids(self):
        for line in self:
            company = line.contract_id.company_id or self.env.company
            taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
            line.tax_ids = line.contract_id.fiscal_position_id.map_tax(taxes)

    @api.depends('quantity', 'price_unit', 'discount', 'contract_id.currency_id')
    def _compute_line_amount(self):
        for line in self:
            line.line_amount = line._amount_per_year_at(line.price_unit)

    @api.constrains(*LINE_NUMBER_FIELDS)
    def _check_amount_billable_to_the_cent(self):
        """Quantities, prices and discounts are numbers, and a year of a line is billed exact
        to the cent."""
        for line in self:
            line._check_numbers({name: line[name] for name in LINE_NUMBER_FIELDS})
            if abs(line.quantity * line.price_unit) >= CONTRACT_MAX_LINE_AMOUNT:
                raise ValidationError(self.env._(
                    "The line %(product)s of contract %(contract)s comes to %(amount)s a year: "
                    "amounts of %(maximum)s or more cannot be billed exact to the cent. Split "
                    "the contract.", product=line.product_id.display_name,
                    contract=line.contract_id.display_name,
                    amount=format_money(self.env, line.quantity * line.price_unit,
                                        line.currency_id),
                    maximum=format_money(self.env, CONTRACT_MAX_LINE_AMOUNT, line.currency_id)))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_writable_by_hand(vals)
            if not_finite(vals, LINE_NUMBER_FIELDS):
                # Before Odoo prices the line: a NaN would crash the rounding, not be refused.
                self.new({key: vals[key] for key in ('contract_id', 'product_id')
                          if key in vals})._check_numbers(vals)
        self.env['service.contract'].browse(
            {vals['contract_id'] for vals in vals_list if vals.get('contract_id')}
        )._check_open_for_changes()
        return super().create(vals_list)

    def write(self, vals):
        self._check_writable_by_hand(vals)
        if self and not_finite(vals, LINE_NUMBER_FIELDS):
            self[:1]._check_numbers(vals)
        if not is_trusted(self):
            # An applied price update (``service.price.update``) changes locked contracts:
            # its own checks (billed periods, price binding) stand for the lock.
            self.contract_id._check_open_for_changes()
        result = super().write(vals)
        if 'contract_id' in vals:
            # Moved to another contract: that one must be open for changes too.
            self.contract_id._check_open_for_changes()
        return result

    def unlink(self):
        self.contract_id._check_open_for_changes()
        return super().unlink()

    def _amount_per_year_at(self, price_unit):
        """What this line bills a year at ``price_unit``: its line amount at that price."""
        self.ensure_one()
        return self.contract_id.currency_id.round(
            self.quantity * price_unit * (1 - self.discount / 100.0))

    def _price_on(self, day, history=None):
        """The unit price this line bills for a period starting on ``day``: the old price of
        the first price change that takes effect after ``day``, else today's price.
        ``history``: the line's changes, sorted by effective date (read here without)."""
        self.ensure_one()
        if history is None:
            history = self.env['service.contract.price.history'].sudo().search(
                [('contract_line_id', '=', self.id), ('effective_date', '>', day)])
        for change in history:
            if change.effective_date > day:
                return change.old_price
        return self.price_unit

    def _has_typed_price(self):
        """A price that differs from the last one the pricelist gave was typed by hand."""
        self.ensure_one()
        currency = self.currency_id or self.company_id.currency_id or self.env.company.currency_id
        return bool(self.technical_price_unit) and currency.compare_amounts(
            self.technical_price_unit, self.price_unit) != 0

    def _sale_order_line_prices(self, date=None):
        """{line: (unit price, discount)} as Odoo's sale order line gives them for the same
        customer, pricelist, currency, fiscal position, product, unit and quantity (ordered
        on ``date``: today without)."""
        prices = {}
        SaleOrderLine = self.env['sale.order.line']
        for contract, lines in self.grouped('contract_id').items():
            company = contract.company_id or self.env.company
            order = self.env['sale.order'].with_company(company).new({
                'partner_id': contract.partner_id.id,
                'partner_invoice_id': contract.partner_invoice_id.id,
                'company_id': company.id,
                'pricelist_id': contract.pricelist_id.id,
                'currency_id': (contract.currency_id or company.currency_id).id,
                'fiscal_position_id': contract.fiscal_position_id.id,
                **({'date_order': fields.Datetime.to_datetime(date)} if date else {}),
            })
            for line in lines:
                sale_line = SaleOrderLine.with_company(company).new({
                    'order_id': order,
                    'product_id': line.product_id.id,
                    'product_uom_id': (line.product_uom_id or line.product_id.uom_id).id,
                    'product_uom_qty': line.quantity or 1.0,
                })
                prices[line] = (sale_line.price_unit, sale_line.discount)
        return prices

    def _check_numbers(self, values):
        """Refuse a quantity, price or discount of ``values`` that is NaN or infinite."""
        self.ensure_one()
        numbers = not_finite(values, LINE_NUMBER_FIELDS)
        if numbers:
            (self.contract_id.company_id or self.env.company)._service_check_finite(
                self.env._("Line %(product)s of contract %(contract)s",
                           product=self.product_id.display_name,
                           contract=self.contract_id.display_name or self.env._("New")),
                *numbers)

    def _check_writable_by_hand(self, vals):
        derived = sorted(CONTRACT_LINE_DERIVED_FIELDS.intersection(vals))
        if derived:
            raise UserError(self.env._(
                "%(fields)s of the lines of contract %(contract)s follow from their product, "
                "quantity, price and contract, and cannot be written.", fields=', '.join(
                    self._fields[name].get_description(self.env)['string'] for name in derived),
                contract=self.contract_id[:1].display_name or self.env._("New")))
