"""Update Contract Prices: a run that proposes new prices, reviewed line by line, then applied.

Business Central's Update Service Contract Prices (update-to date, a percentage, Print Only)
with Subscription Billing's proposal: the run lists every contract line whose price changes
(old and new price, old and new amount a year); the manager edits or drops lines, then Apply
writes the new prices, a price history per line and one message per contract. The new prices
take effect on the run's effective date: periods starting before it are billed at the old ones
(``service.contract._annual_amount_on``), and no update reaches into a period already billed
(``service.contract._price_update_refusal``, checked again for every price change written).
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import float_round, format_date, formatLang

from ..const import PRICE_ROUNDINGS, PRICE_UPDATE_METHODS, PRICE_UPDATE_STATES
from ..tools.locking import try_lock
from ..tools.trusted import trusted
from .service_contract_line import not_finite


class ServicePriceUpdate(models.Model):
    _name = 'service.price.update'
    _description = "Contract Price Update"
    _inherit = ['mail.thread']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(
        string="Price Update No.", required=True, copy=False, readonly=True,
        default=lambda self: self.env._("New"))
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    state = fields.Selection(
        PRICE_UPDATE_STATES, string="Status", required=True, default='draft', copy=False,
        readonly=True, tracking=True)
    update_to_date = fields.Date(
        required=True, default=fields.Date.context_today,
        help="Contracts whose next price update date is on or before this date are updated.")
    effective_date = fields.Date(
        string="New Prices From", required=True, default=fields.Date.context_today,
        help="The first day billed at the new prices: a period that starts before it is "
             "billed at the old ones. It must come after every period already billed.")
    method = fields.Selection(PRICE_UPDATE_METHODS, required=True, default='percentage')
    percentage = fields.Float(string="Price Update %", digits=(16, 4))
    index_id = fields.Many2one('service.price.index', string="Price Index", check_company=True)
    base_index_value_id = fields.Many2one(
        'service.price.index.value',
        domain="[('index_id', '=', index_id)]")
    new_index_value_id = fields.Many2one(
        'service.price.index.value',
        domain="[('index_id', '=', index_id)]")
    rounding = fields.Selection(PRICE_ROUNDINGS, required=True, default='currency')
    rounding_step = fields.Float(
        digits=(16, 4), default=0.05, help="New prices are rounded to a multiple of this step.")
    partner_ids = fields.Many2many('res.partner', string="Customers")
    contract_ids = fields.Many2many('service.contract', string="Contracts", check_company=True)
    product_ids = fields.Many2many('product.product', string="Products")
    line_ids = fields.One2many('service.price.update.line', 'update_id', string="Proposal")
    left_out = fields.Text(
        string="Contracts Left Out", readonly=True,
        help="The contracts due that the proposal does not update, and why.")
    line_count = fields.Integer(string="Number of Lines", compute='_compute_totals')
    contract_count = fields.Integer(string="Number of Contracts", compute='_compute_totals')
    applied_by_id = fields.Many2one('res.users', readonly=True, copy=False)
    applied_on = fields.Datetime(readonly=True, copy=False)

    @api.depends('line_ids.contract_id')
    def _compute_totals(self):
        for run in self:
            run.line_count = len(run.line_ids)
            run.contract_count = len(run.line_ids.contract_id)

    @api.constrains('method', 'percentage', 'index_id', 'base_index_value_id',
                    'new_index_value_id', 'rounding', 'rounding_step')
    def _check_method(self):
        for run in self:
            run.company_id._service_check_finite(run.display_name, run.percentage,
                                                 run.rounding_step)
            if run.method == 'percentage' and run.percentage <= -100:
                raise ValidationError(self.env._(
                    "Price update %(run)s: a percentage of %(percent)s would make prices "
                    "negative.", run=run.display_name, percent=run.percentage))
            if run.rounding == 'step' and run.rounding_step <= 0:
                raise ValidationError(self.env._(
                    "Price update %(run)s: the rounding step must be above 0.",
                    run=run.display_name))
            values = run.base_index_value_id | run.new_index_value_id
            if values.index_id - run.index_id:
                raise ValidationError(self.env._(
                    "Price update %(run)s: the base and new values must be values of the index "
                    "%(index)s.", run=run.display_name, index=run.index_id.display_name))

    @api.constrains('update_to_date', 'effective_date', 'company_id')
    def _check_dates_billable(self):
        """A date its company cannot bill (1899, 2999) is a typing error."""
        for run in self:
            run.company_id._service_check_dates(
                run.display_name, run.update_to_date, run.effective_date)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_manager()
        for vals in vals_list:
            self._check_finite_vals(vals)
            if vals.get('name', self.env._("New")) == self.env._("New"):
                company = self.env['res.company'].browse(vals.get('company_id')) or self.env.company
                vals['name'] = self.env['ir.sequence'].with_company(company).next_by_code(
                    'service.price.update') or self.env._("New")
        return super().create(vals_list)

    def write(self, vals):
        self._check_finite_vals(vals)
        settings = set(vals) - {'line_ids', 'message_main_attachment_id'}
        if settings and self.filtered(lambda run: run.state == 'applied'):
            raise UserError(self.env._(
                "Price update %(run)s is applied: it cannot be changed.",
                run=self.filtered(lambda run: run.state == 'applied')[:1].display_name))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        applied = self.filtered(lambda run: run.state == 'applied')
        if applied:
            raise UserError(self.env._(
                "Price update %(run)s is applied: it stays as the record of the prices it "
                "changed.", run=applied[:1].display_name))

    def action_propose(self):
        """Propose: list every contract line whose price this run changes (again: a proposal
        made before is replaced), for the manager to review, edit and drop lines."""
        self._check_manager()
        for run in self:
            run._check_not_applied()
            proposal = run._compute_proposal()
            run.write({
                'line_ids': [Command.clear()] + [Command.create(vals)
                                                 for vals in proposal['lines']],
                'left_out': '\n'.join(reason for _contract, reason in proposal['left_out']),
                'state': 'proposed',
            })
        return True

    def action_reset_to_draft(self):
        """Back to the run's settings: the proposal is dropped."""
        self._check_manager()
        for run in self:
            run._check_not_applied()
        self.write({'line_ids': [Command.clear()], 'left_out': False, 'state': 'draft'})
        return True

    def action_test_report(self):
        """Test Report: what Apply would change (or what a proposal would hold, before one is
        made), and every problem; changes nothing."""
        return self.env.ref('service_invoicing.action_report_price_update_test').report_action(
            self)

    def action_apply(self):
        """Apply the reviewed proposal: each line's new price, a price history per line, one
        message per contract, the contracts' next price update dates. Applied once: the run
        is locked, so a second click or another manager at the same time is refused."""
        self._check_manager()
        for run in self:
            if not try_lock(run):
                raise UserError(self.env._(
                    "Price update %(run)s is being applied by another user, or was applied "
                    "meanwhile: reload it.", run=run.display_name))
            run.invalidate_recordset()
            if run.state != 'proposed':
                raise UserError(self.env._(
                    "Price update %(run)s is %(state)s: only a proposal to review can be "
                    "applied.", run=run.display_name, state=dict(
                        self._fields['state']._description_selection(self.env))[run.state]))
            run._apply_proposal()
        return True

    def _apply_proposal(self):
        self.ensure_one()
        lines = self.line_ids
        if not lines:
            raise UserError(self.env._(
                "Price update %(run)s proposes no new price: nothing to apply.",
                run=self.display_name))
        contracts = lines.contract_id
        # The contract batch locks the contracts it bills (SKIP LOCKED): one being billed
        # now could bill a period the new prices would reach.
        locked = try_lock(contracts)
        if locked is None or locked != contracts:
            busy = contracts - (locked or contracts.browse())
            raise UserError(self.env._(
                "Contract %(contract)s is being invoiced or changed right now: apply price "
                "update %(run)s again in a moment.", contract=busy[:1].display_name,
                run=self.display_name))
        contracts.invalidate_recordset()
        problems = self._apply_problems()
        if problems:
            raise UserError(problems[0])
        self.env['service.contract.price.history'].create([{
            'contract_line_id': line.contract_line_id.id,
            'effective_date': self.effective_date,
            'old_price': line.old_price,
            'new_price': line.new_price,
            'update_id': self.id,
        } for line in lines])
        old_amounts = {contract: contract.annual_amount for contract in contracts}
        # The one message of each contract says what changed: no tracking message beside it
        # (annual amount, next price update date), which Odoo would post one by one.
        quiet = self.with_context(mail_notrack=True)
        # One write per price and per date, not one per line and contract (a run updates
        # thousands of contracts, most to a few new prices).
        for price, price_lines in lines.grouped('new_price').items():
            trusted(price_lines.contract_line_id.with_env(quiet.env)).price_unit = price
        by_contract = lines.grouped('contract_id')
        next_dates = defaultdict(lambda: quiet.env['service.contract'])
        for contract in by_contract:
            next_dates[contract._next_price_update_after(self.effective_date)] |= contract
        for next_date, dated in next_dates.items():
            dated.with_env(quiet.env).next_price_update_date = next_date
        quiet.env.flush_all()
        contracts._message_log_batch(bodies={
            contract.id: self._chatter_message(contract, contract_lines, old_amounts[contract])
            for contract, contract_lines in by_contract.items()})
        if self.effective_date <= fields.Date.context_today(self):
            # Periods due and not billed show in the backlog at what they will bill. New
            # prices from a later date reach no period due yet: the backlog's daily sync
            # prices those periods when they fall due.
            contracts.filtered(lambda contract: contract.state == 'signed')._sync_billing_items()
        self.write({'state': 'applied', 'applied_by_id': self.env.uid,
                    'applied_on': fields.Datetime.now()})

    def _apply_problems(self):
        """What Apply refuses, as messages: what changed since the proposal was made."""
        self.ensure_one()
        problems = []
        for line in self.line_ids:
            contract = line.contract_id
            if not line.contract_line_id:
                problems.append(self.env._(
                    "A line of contract %(contract)s was deleted since the proposal: propose "
                    "again.", contract=contract.display_name))
                continue
            currency = line.currency_id
            if currency.compare_amounts(line.contract_line_id.price_unit, line.old_price):
                problems.append(self.env._(
                    "The price of %(product)s on contract %(contract)s changed since the "
                    "proposal (%(old)s, now %(now)s): propose again, or drop the line.",
                    product=line.product_id.display_name, contract=contract.display_name,
                    old=formatLang(self.env, line.old_price, currency_obj=currency),
                    now=formatLang(self.env, line.contract_line_id.price_unit,
                                   currency_obj=currency)))
        for contract in self.line_ids.contract_id:
            refusal = contract._price_update_refusal(self.effective_date)
            if refusal:
                problems.append(refusal)
        return problems

    def _chatter_message(self, contract, lines, old_amount):
        rows = Markup('').join(
            Markup('<li>%s</li>') % self.env._(
                "%(product)s: %(old)s → %(new)s a unit (%(old_amount)s → %(new_amount)s a "
                "year)", product=line.product_id.display_name,
                old=formatLang(self.env, line.old_price, currency_obj=line.currency_id),
                new=formatLang(self.env, line.new_price, currency_obj=line.currency_id),
                old_amount=formatLang(self.env, line.old_annual_amount,
                                      currency_obj=line.currency_id),
                new_amount=formatLang(self.env, line.new_annual_amount,
                                      currency_obj=line.currency_id))
            for line in lines)
        return Markup('<p>%s</p><ul>%s</ul><p>%s</p>') % (self.env._(
            "Prices updated by %(run)s, from %(date)s:", run=self.name,
            date=format_date(self.env, self.effective_date)), rows, self.env._(
            "Annual amount: %(old)s → %(new)s; next price update: %(next)s.",
            old=formatLang(self.env, old_amount, currency_obj=contract.currency_id),
            new=formatLang(self.env, contract.annual_amount, currency_obj=contract.currency_id),
            next=format_date(self.env, contract.next_price_update_date) or self.env._("none")))

    def _compute_proposal(self):
        """What a proposal of this run holds, computed from the contracts as they are, writing
        nothing: {'lines': [line values], 'left_out': [(contract, reason)]}."""
        self.ensure_one()
        self._check_settings()
        contracts = self.env['service.contract'].search(self._contracts_domain(), order='id')
        lines, left_out = [], []
        to_price = self.env['service.contract.line']
        for contract in contracts:
            reason = self._left_out_reason(contract)
            if reason:
                left_out.append((contract, reason))
                continue
            contract_lines = contract.line_ids
            if self.product_ids:
                contract_lines = contract_lines.filtered(
                    lambda line: line.product_id in self.product_ids)
            to_price |= contract_lines
        new_prices = self._new_prices(to_price)
        for contract, contract_lines in to_price.grouped('contract_id').items():
            changed = [line for line in contract_lines
                       if contract.currency_id.compare_amounts(new_prices[line], line.price_unit)]
            if not changed:
                left_out.append((contract, self.env._(
                    "Contract %(contract)s: this run leaves its prices as they are.",
                    contract=contract.display_name)))
            lines += [{
                'contract_line_id': line.id,
                'old_price': line.price_unit,
                'new_price': new_prices[line],
            } for line in changed]
        return {'lines': lines, 'left_out': left_out}

    def _contracts_domain(self):
        domain = (Domain('state', '=', 'signed') & Domain('company_id', '=', self.company_id.id)
                  & Domain('next_price_update_date', '<=', self.update_to_date))
        if self.contract_ids:
            domain &= Domain('id', 'in', self.contract_ids.ids)
        if self.partner_ids:
            domain &= Domain('partner_id.commercial_partner_id', 'in',
                             self.partner_ids.commercial_partner_id.ids)
        if self.product_ids:
            domain &= Domain('line_ids.product_id', 'in', self.product_ids.ids)
        return domain

    def _left_out_reason(self, contract):
        """Why ``contract``, due for a price update, is not updated by this run, or ''."""
        if contract.allow_unbalanced_amounts:
            return self.env._(
                "Contract %(contract)s has an annual amount typed by hand (unbalanced amounts): "
                "update its amount on the contract.", contract=contract.display_name)
        if contract.date_end and contract.date_end < self.effective_date:
            return self.env._(
                "Contract %(contract)s expires on %(date)s, before the new prices take effect.",
                contract=contract.display_name, date=format_date(self.env, contract.date_end))
        return contract._price_update_refusal(self.effective_date)

    def _new_prices(self, contract_lines):
        """{contract line: new unit price}, by the run's method, rounded as it says."""
        if self.method == 'pricelist':
            # Odoo's own sale order line prices them, as the contract line's own price compute.
            prices = {line: price for line, (price, _discount)
                      in contract_lines._sale_order_line_prices(self.effective_date).items()}
        elif self.method == 'index':
            factor = self.new_index_value_id.value / self.base_index_value_id.value
            prices = {line: line.price_unit * factor for line in contract_lines}
        else:
            factor = 1 + self.percentage / 100.0
            prices = {line: line.price_unit * factor for line in contract_lines}
        return {line: self._round_price(price, line.currency_id)
                for line, price in prices.items()}

    def _round_price(self, price, currency):
        if self.rounding == 'step':
            return float_round(price, precision_rounding=self.rounding_step)
        return currency.round(price)

    def _check_settings(self):
        self.ensure_one()
        if self.method == 'index' and not (self.base_index_value_id and self.new_index_value_id):
            raise UserError(self.env._(
                "Price update %(run)s updates prices by an index: choose the index, its base "
                "value and its new value.", run=self.display_name))

    def _check_reviewable(self):
        applied = self.filtered(lambda run: run.state == 'applied')
        if applied:
            raise UserError(self.env._(
                "Price update %(run)s is applied: its lines cannot change any more.",
                run=applied[:1].display_name))

    def _check_not_applied(self):
        if self.state == 'applied':
            raise UserError(self.env._(
                "Price update %(run)s is applied already.", run=self.display_name))

    @api.model
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group('service_invoicing.group_service_manager')):
            raise AccessError(self.env._(
                "Only a Service Invoicing manager can update contract prices."))

    def _check_finite_vals(self, vals):
        # Before Odoo rounds them: a NaN would crash the rounding, not be refused.
        self.env.company._service_check_finite(
            self[:1].display_name or self.env._("Price update"),
            *not_finite(vals, ('percentage', 'rounding_step')))

    def _test_report_values(self):
        """What the test report shows: the proposal (its lines as they stand, or, before one
        is made, what it would hold), the contracts left out and what Apply would refuse."""
        self.ensure_one()
        if self.state == 'draft':
            try:
                proposal = self._compute_proposal()
            except UserError as error:
                return {'rows': [], 'left_out': [], 'problems': [error.args[0]]}
            Line = self.env['service.price.update.line']
            # Read together what the rows show: records in memory are read one by one.
            self.env['service.contract.line'].browse(
                [vals['contract_line_id'] for vals in proposal['lines']]
            ).contract_id.partner_id.mapped('display_name')
            rows = [Line.new({**vals, 'update_id': self.id}) for vals in proposal['lines']]
            return {'rows': rows, 'problems': [],
                    'left_out': [reason for _contract, reason in proposal['left_out']]}
        return {'rows': list(self.line_ids),
                'left_out': (self.left_out or '').splitlines(),
                'problems': self._apply_problems() if self.state == 'proposed' else []}
