from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import (
    CONTRACT_DERIVED_FIELDS,
    CONTRACT_LOCKED_FIELDS,
    CONTRACT_STATUS_FIELDS,
    INVOICE_PERIODS,
)
from ..tools import invoice_period as periods
from ..tools.actions import records_action
from ..tools.formatting import format_money
from ..tools.trusted import is_trusted, trusted

class ServiceContract(models.Model):
    _name = 'service.contract'
    _description = "Service Contract"
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'date_start desc, id desc'
    _check_company_auto = True

    name = fields.Char(
        string="Contract No.", required=True, copy=False, readonly=True, index='trigram',
        default=lambda self: self.env._("New"))
    description = fields.Char(tracking=True)
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", required=True, index=True, tracking=True,
        check_company=True)
    partner_invoice_id = fields.Many2one(
        'res.partner', string="Invoice Address", check_company=True,
        compute='_compute_partner_invoice_id', store=True, readonly=False, precompute=True)
    pricelist_id = fields.Many2one(
        'product.pricelist', check_company=True, tracking=True,
        compute='_compute_pricelist_id', store=True, readonly=False, precompute=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Prices the lines as a sale order of this customer would: currency, rules and "
             "discounts.")
    currency_id = fields.Many2one(
        'res.currency', required=True, tracking=True,
        compute='_compute_currency_id', store=True, readonly=False, precompute=True)
    journal_id = fields.Many2one(
        'account.journal', string="Sales Journal", check_company=True,
        domain="[('type', '=', 'sale')]",
        compute='_compute_journal_id', store=True, readonly=False, precompute=True)
    payment_term_id = fields.Many2one(
        'account.payment.term', string="Payment Terms", check_company=True,
        compute='_compute_partner_terms', store=True, readonly=False, precompute=True)
    fiscal_position_id = fields.Many2one(
        'account.fiscal.position', check_company=True,
        compute='_compute_partner_terms', store=True, readonly=False, precompute=True)
    user_id = fields.Many2one(
        'res.users', string="Salesperson", index=True, tracking=True,
        default=lambda self: self.env.user)
    sale_order_ids = fields.One2many('sale.order', 'service_contract_id', string="Service Orders")

    date_start = fields.Date(
        string="Starting Date", required=True, tracking=True, default=fields.Date.context_today)
    date_end = fields.Date(string="Expiration Date", tracking=True)
    invoice_period = fields.Selection(
        INVOICE_PERIODS, required=True, default='month', tracking=True)
    prepaid = fields.Boolean(
        tracking=True, help="Invoiced at the start of each period; otherwise at its end.")
    invoice_after_service = fields.Boolean(
        help="Invoice only when a service order of the contract was delivered since the last "
             "invoice.")
    combine_invoices = fields.Boolean(
        help="One invoice for all the contracts of this customer that have this option.")

    state = fields.Selection(
        [('draft', "Quote"), ('signed', "Signed"), ('cancelled', "Cancelled")],
        string="Status", required=True, default='draft', copy=False, tracking=True)
    change_status = fields.Selection(
        [('open', "Open"), ('locked', "Locked")],
        required=True, default='open', copy=False, tracking=True,
        help="A signed contract is Locked. Open it to change amounts, lines or dates; no "
             "invoice can be created while it is Open.")

    line_ids = fields.One2many('service.contract.line', 'contract_id', string="Lines", copy=True)
    calculated_annual_amount = fields.Monetary(
        string="Calcd. Annual Amount", compute='_compute_calculated_annual_amount', store=True)
    allow_unbalanced_amounts = fields.Boolean(
        help="Type the annual amount by hand instead of taking the sum of the lines.")
    annual_amount = fields.Monetary(
        compute='_compute_annual_amount', store=True, readonly=False, tracking=True)
    amount_per_period = fields.Monetary(compute='_compute_amount_per_period')

    period_ids = fields.One2many(
        'service.contract.period', 'contract_id', string="Invoiced Periods", readonly=True)
    invoiced_until = fields.Date(
        compute='_compute_invoiced_until', store=True,
        help="Last day of the last invoiced period.")
    next_period_start = fields.Date(
        string="Next Invoice Period Start", compute='_compute_next_invoice', store=True)
    next_period_end = fields.Date(
        string="Next Invoice Period End", compute='_compute_next_invoice', store=True)
    next_invoice_date = fields.Date(compute='_compute_next_invoice', store=True, index=True)
    invoice_count = fields.Integer(compute='_compute_invoice_count')
    invoice_error = fields.Text(
        string="Last Invoicing Error", copy=False, readonly=True,
        help="Why the last invoicing run skipped this contract.")

    _name_company_unique = models.Constraint(
        'UNIQUE(name, company_id)', "A contract number must be unique per company.")
    _date_end_after_start = models.Constraint(
        'CHECK(date_end IS NULL OR date_end >= date_start)',
        "The expiration date of a contract cannot be before its starting date.")

    @api.depends('partner_id')
    def _compute_partner_invoice_id(self):
        for contract in self:
            contract.partner_invoice_id = contract.partner_id.address_get(['invoice'])['invoice'] \
                if contract.partner_id else False

    @api.depends('partner_id', 'company_id')
    def _compute_pricelist_id(self):
        for contract in self:
            contract.pricelist_id = contract.partner_id.with_company(
                contract.company_id).property_product_pricelist

    @api.depends('pricelist_id', 'company_id')
    def _compute_currency_id(self):
        # As a sale order: the pricelist's currency; without pricelist the one chosen.
        for contract in self:
            contract.currency_id = contract.pricelist_id.currency_id or contract.currency_id \
                or contract.company_id.currency_id

    @api.depends('company_id')
    def _compute_journal_id(self):
        first_sale_journal = {}
        for contract in self:
            company = contract.company_id
            if contract.journal_id.company_id != company:
                if company not in first_sale_journal:
                    first_sale_journal[company] = self.env['account.journal'].search([
                        *self.env['account.journal']._check_company_domain(company),
                        ('type', '=', 'sale'),
                    ], limit=1)
                contract.journal_id = first_sale_journal[company]

    @api.depends('partner_id', 'company_id')
    def _compute_partner_terms(self):
        for contract in self:
            partner = contract.partner_id.with_company(contract.company_id)
            contract.payment_term_id = partner.property_payment_term_id
            contract.fiscal_position_id = self.env['account.fiscal.position'].with_company(
                contract.company_id)._get_fiscal_position(
                    partner, delivery=contract.partner_invoice_id)

    @api.depends('line_ids.line_amount')
    def _compute_calculated_annual_amount(self):
        for contract in self:
            contract.calculated_annual_amount = sum(contract.line_ids.mapped('line_amount'))

    @api.depends('calculated_annual_amount', 'allow_unbalanced_amounts')
    def _compute_annual_amount(self):
        for contract in self:
            if not contract.allow_unbalanced_amounts:
                contract.annual_amount = contract.calculated_annual_amount

    @api.depends('annual_amount', 'invoice_period')
    def _compute_amount_per_period(self):
        for contract in self:
            count = periods.periods_per_year(contract.invoice_period)
            contract.amount_per_period = contract.currency_id.round(
                contract.annual_amount / count) if count else 0.0

    @api.depends('period_ids.date_end')
    def _compute_invoiced_until(self):
        for contract in self:
            # Credited periods count too: the runs go on after them; a credited period, ready
            # again in the backlog, is billed again by a proforma.
            contract.invoiced_until = max(contract.period_ids.mapped('date_end'), default=False)

    @api.depends('date_start', 'date_end', 'invoice_period', 'prepaid', 'invoiced_until', 'state')
    def _compute_next_invoice(self):
        for contract in self:
            period = contract.state != 'cancelled' and periods.next_period(
                contract.date_start, contract.date_end, contract.invoice_period,
                contract.invoiced_until)
            contract.next_period_start = period and period.start
            contract.next_period_end = period and period.end
            contract.next_invoice_date = period and periods.invoice_date_of(
                period, contract.prepaid)

    def _compute_invoice_count(self):
        counts = dict(self.env['account.move.line']._read_group(
            [('service_contract_id', 'in', self.ids)], ['service_contract_id'],
            ['move_id:count_distinct']))
        for contract in self:
            contract.invoice_count = counts.get(contract, 0)

    @api.constrains('pricelist_id', 'currency_id')
    def _check_pricelist_currency(self):
        for contract in self:
            if contract.pricelist_id and contract.pricelist_id.currency_id != contract.currency_id:
                raise ValidationError(self.env._(
                    "Contract %(contract)s is in %(currency)s but its pricelist %(pricelist)s is "
                    "in %(pricelist_currency)s: choose a pricelist in %(currency)s.",
                    contract=contract.display_name, currency=contract.currency_id.name,
                    pricelist=contract.pricelist_id.display_name,
                    pricelist_currency=contract.pricelist_id.currency_id.name))

    def _check_annual_amount_follows_lines(self):
        # Not an @api.constrains: Odoo would check it halfway through recomputing the amounts.
        for contract in self:
            if not contract.allow_unbalanced_amounts and contract.currency_id.compare_amounts(
                    contract.annual_amount, contract.calculated_annual_amount):
                raise ValidationError(self.env._(
                    "The annual amount of contract %(contract)s (%(amount)s) must equal the sum "
                    "of its lines (%(calculated)s): allow unbalanced amounts to type another.",
                    contract=contract.display_name,
                    amount=format_money(self.env, contract.annual_amount, contract.currency_id),
                    calculated=format_money(self.env, contract.calculated_annual_amount,
                                            contract.currency_id)))

    @api.constrains('date_start', 'date_end', 'company_id')
    def _check_dates_billable(self):
        """A date its company cannot bill (1899, 2999) is a typing error: refused on every
        path by the company's rule, ``res.company._service_check_dates``."""
        for contract in self:
            for name in ('date_start', 'date_end'):
                contract.company_id._service_check_dates(self.env._(
                    "Contract %(contract)s, %(field)s", contract=contract.display_name,
                    field=self._fields[name]._description_string(self.env)), contract[name])

    @api.constrains('prepaid', 'invoice_after_service')
    def _check_prepaid_invoice_after_service(self):
        for contract in self:
            if contract.prepaid and contract.invoice_after_service:
                raise ValidationError(self.env._(
                    "Contract %(contract)s cannot be both prepaid and invoiced after service: "
                    "clear one of the two options.", contract=contract.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        # Rights first: a refused user draws no contract number.
        self.check_access('create')
        for vals in vals_list:
            self._check_writable_by_hand(vals, creating=True)
            if vals.get('name', self.env._("New")) == self.env._("New"):
                company = self.env['res.company'].browse(vals.get('company_id')) or self.env.company
                vals['name'] = self.env['ir.sequence'].with_company(company).next_by_code(
                    'service.contract') or self.env._("New")
        contracts = super().create(vals_list)
        # An amount that follows the lines is right by construction; one typed is checked.
        contracts.browse([contract.id for contract, vals in zip(contracts, vals_list, strict=True)
                          if 'annual_amount' in vals])._check_annual_amount_follows_lines()
        return contracts

    def write(self, vals):
        self._check_writable_by_hand(vals)
        if CONTRACT_LOCKED_FIELDS.intersection(vals):
            self._check_open_for_changes()
        if vals.get('company_id') and not self.env.su \
                and vals['company_id'] not in self.env.companies.ids:
            raise AccessError(self.env._(
                "Contract %(contract)s cannot move to a company you do not work in.",
                contract=self[:1].display_name))
        result = super().write(vals)
        if 'annual_amount' in vals:
            self._check_annual_amount_follows_lines()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.period_ids:
            raise UserError(self.env._(
                "Contract %(contract)s has invoiced periods and cannot be deleted: cancel it "
                "instead.", contract=self.filtered('period_ids')[:1].display_name))

    def action_sign(self):
        """Sign the quote: checks the amounts, then locks the contract for invoicing."""
        for contract in self:
            if contract.state != 'draft':
                raise UserError(self.env._(
                    "Contract %(contract)s is not a quote and cannot be signed.",
                    contract=contract.display_name))
        self._check_amounts_to_lock()
        trusted(self).write({'state': 'signed', 'change_status': 'locked'})
        self._clear_resolved_invoicing_errors()
        self._sync_billing_items()

    def action_open(self):
        """Open a signed contract for changes; it cannot be invoiced until locked again."""
        trusted(self.filtered(lambda c: c.state == 'signed')).change_status = 'open'

    def action_lock(self):
        """Lock the contract again so that it can be invoiced: the checks of signing apply."""
        signed = self.filtered(lambda c: c.state == 'signed')
        signed._check_amounts_to_lock()
        trusted(signed).change_status = 'locked'
        signed._clear_resolved_invoicing_errors()
        signed._sync_billing_items()

    def action_cancel(self):
        """Cancel the contract: it is not invoiced any more."""
        trusted(self).write({'state': 'cancelled', 'change_status': 'locked'})
        self._sync_billing_items()

    def action_draft(self):
        """Turn a cancelled contract back into a quote."""
        trusted(self.filtered(lambda c: c.state == 'cancelled')).write(
            {'state': 'draft', 'change_status': 'open'})

    def action_view_invoices(self):
        """Open the customer invoices that bill this contract."""
        invoices = self.env['account.move.line'].search(
            [('service_contract_id', 'in', self.ids)]).move_id
        return records_action(invoices, 'account.action_move_out_invoice_type',
                              context={'default_move_type': 'out_invoice'})

    def _clear_resolved_invoicing_errors(self):
        """Signed or locked again: an error of an earlier run that no longer holds (an Open
        contract, a missing invoice address...) clears itself."""
        self.filtered(lambda contract: contract.invoice_error
                      and not contract._invoicing_error())._clear_invoicing_error()

    def _check_amounts_to_lock(self):
        """What signing and locking refuse: a negative annual amount, an amount without
        invoice period, a zero amount with one."""
        for contract in self:
            if contract.annual_amount < 0:
                raise UserError(self.env._(
                    "Contract %(contract)s cannot be signed or locked with a negative annual "
                    "amount (%(amount)s).", contract=contract.display_name,
                    amount=format_money(self.env, contract.annual_amount,
                                        contract.currency_id)))
            if not contract.currency_id.is_zero(contract.annual_amount) \
                    and contract.invoice_period == 'none':
                raise UserError(self.env._(
                    "Contract %(contract)s has an annual amount but no invoice period: choose "
                    "how often it is invoiced.", contract=contract.display_name))
            if contract.currency_id.is_zero(contract.annual_amount) \
                    and contract.invoice_period != 'none':
                raise UserError(self.env._(
                    "Contract %(contract)s has an annual amount of 0: set its invoice period "
                    "to None or add priced lines.", contract=contract.display_name))

    def _check_writable_by_hand(self, vals, creating=False):
        """Statuses change only through the actions, derived fields never by hand: refused
        for every client (form, import, RPC), whatever the contract's status."""
        if is_trusted(self):
            return
        derived = sorted(CONTRACT_DERIVED_FIELDS.intersection(vals))
        if derived:
            raise UserError(self.env._(
                "%(fields)s of contract %(contract)s follow from its lines and invoiced "
                "periods and cannot be written.", fields=', '.join(
                    self._fields[name].get_description(self.env)['string'] for name in derived),
                contract=self[:1].display_name if not creating else self.env._("New")))
        status = {name: vals[name] for name in CONTRACT_STATUS_FIELDS.intersection(vals)}
        if creating and status.get('state', 'draft') == 'draft' \
                and status.get('change_status', 'open') == 'open':
            return
        if status:
            raise UserError(self.env._(
                "The status of contract %(contract)s changes only with its buttons (Sign, Open "
                "for Changes, Lock, Cancel, Set to Quote), which check it first.",
                contract=self[:1].display_name if not creating else self.env._("New")))

    def _check_open_for_changes(self):
        locked = self.filtered(lambda c: c.state == 'signed' and c.change_status == 'locked')
        if locked:
            raise UserError(self.env._(
                "Contract %(contract)s is locked: set its change status to Open before changing "
                "amounts, lines or dates.", contract=locked[:1].display_name))
