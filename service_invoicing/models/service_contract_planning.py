"""Planning a contract's invoicing: which periods are due, for how much, or why not.

Pure period arithmetic lives in ``tools/invoice_period.py``; this reads the contracts once and
writes nothing, so the test report (preview) and the run share it.
"""

from dataclasses import dataclass, field

from odoo import models
from odoo.exceptions import AccessError
from odoo.tools import format_date

from ..const import MAX_PERIODS_AT_ONCE
from ..tools import invoice_period as periods


@dataclass
class ContractPlan:
    """What one contract would bill in a run: its due periods, or why it bills nothing."""

    contract: models.Model
    periods: list = field(default_factory=list)   # [(Period, amount, [(line, amount)])]
    error: str = ''
    skip: str = ''

    @property
    def amount(self):
        return sum(amount for _period, amount, _lines in self.periods)


def split_amount(amount, line_amounts, total, currency):
    """``amount`` shared over lines of ``line_amounts`` (adding up to ``total``) by their
    amounts, exact to the cent: the last line takes what the others leave."""
    shares = []
    rest = amount
    for index, line_amount in enumerate(line_amounts):
        if index == len(line_amounts) - 1:
            share = rest
        elif currency.is_zero(total):
            share = 0.0
        else:
            share = currency.round(amount * line_amount / total)
        shares.append(share)
        rest = currency.round(rest - share)
    return shares


class ServiceContract(models.Model):
    _inherit = 'service.contract'  # pylint: disable=consider-merging-classes-inherited

    def _plan_invoicing(self, invoice_to_date, many_periods=False):
        """What each contract bills up to ``invoice_to_date``, without writing anything.

        ``many_periods``: a Service Invoicing manager confirmed that a contract may bill more
        than ``MAX_PERIODS_AT_ONCE`` periods in this run (a user who is not one is refused).
        """
        if many_periods:
            self._check_may_bill_many_periods()
        served = self._served_since_last_invoice()
        plans = []
        for contract in self:
            plan = ContractPlan(contract)
            if contract.state == 'cancelled':
                plan.skip = self.env._(
                    "Contract %(contract)s is cancelled: it is not invoiced any more.",
                    contract=contract.display_name)
            elif contract.invoice_period == 'none':
                plan.skip = self.env._(
                    "Contract %(contract)s has the invoice period None: it bills nothing.",
                    contract=contract.display_name)
            else:
                plan.error = contract._invoicing_error()
            if not plan.error and not plan.skip:
                due = contract._due_periods(invoice_to_date)
                if len(due) > MAX_PERIODS_AT_ONCE and not many_periods:
                    plan.error = contract._many_periods_error(due)
                    plans.append(plan)
                    continue
                currency = contract.currency_id
                for period, amount in contract._period_amounts(due):
                    plan.periods.append(
                        (period, amount, contract._split_over_lines(amount, period.start)))
                if not due:
                    plan.skip = self.env._(
                        "Contract %(contract)s has no period due by %(date)s.",
                        contract=contract.display_name,
                        date=format_date(self.env, invoice_to_date))
                elif currency.is_zero(plan.amount):
                    plan.error = self.env._(
                        "Invoice cannot be created for contract %(contract)s because the amount "
                        "to invoice for this invoice period is zero.",
                        contract=contract.display_name)
                elif contract.invoice_after_service and contract not in served:
                    plan.skip = self.env._(
                        "Contract %(contract)s is invoiced after service, and no service order "
                        "of it was shipped after its last invoiced period.",
                        contract=contract.display_name)
            plans.append(plan)
        return plans

    def _due_periods(self, invoice_to_date):
        """The periods of this contract not billed yet whose invoice date is on or before
        ``invoice_to_date``: what a run up to that date bills (and the forecast shows)."""
        self.ensure_one()
        return periods.due_periods(
            self.date_start, self.date_end, self.invoice_period, self.prepaid,
            self.invoiced_until, invoice_to_date)

    def _period_amounts(self, due):
        """[(period, amount)] of the periods ``due``, in the contract's currency."""
        self.ensure_one()
        return [(period, self._period_amount(period)) for period in due]

    def _period_amount(self, period):
        """What this contract bills for ``period``: the annual amount at the prices in effect
        on the period's first day (a price update never reaches back into a period). Every
        reader of a period's amount comes here: the runs, the test reports, the backlog, the
        proformas, the forecast and the portal."""
        self.ensure_one()
        return periods.period_amount(self._annual_amount_on(period.start), self.invoice_period,
                                     period, self.currency_id.round)

    def _invoicing_error(self):
        """Why this contract cannot be invoiced at all, as a message naming the fix."""
        self.ensure_one()
        name = self.display_name
        if self.state != 'signed':
            return self.env._("Contract %(contract)s is not signed: sign it before invoicing.",
                              contract=name)
        if self.change_status == 'open':
            return self.env._(
                "Contract %(contract)s is Open: lock it to create invoices.", contract=name)
        if not self.partner_invoice_id:
            return self.env._(
                "Contract %(contract)s has no invoice address: set one on the contract.",
                contract=name)
        if not self.journal_id:
            return self.env._(
                "Contract %(contract)s has no sales journal: choose one on the contract.",
                contract=name)
        if self.journal_id.company_id != self.company_id:
            return self.env._(
                "The journal %(journal)s of contract %(contract)s belongs to another company: "
                "choose a sales journal of %(company)s.", journal=self.journal_id.display_name,
                contract=name, company=self.company_id.display_name)
        # Not ``partner_id | partner_invoice_id``: a new recordset, read on its own (a query
        # per contract in a batch).
        for partner in (self.partner_id, self.partner_invoice_id):
            if partner.company_id and partner.company_id != self.company_id:
                return self.env._(
                    "The customer %(partner)s of contract %(contract)s belongs to the company "
                    "%(partner_company)s, not to %(company)s: share the customer or move the "
                    "contract.", partner=partner.display_name, contract=name,
                    partner_company=partner.company_id.display_name,
                    company=self.company_id.display_name)
        for line in self.line_ids:
            if not self._income_account(line.product_id):
                return self.env._(
                    "The product %(product)s of contract %(contract)s has no income account: "
                    "set one on the product or its category.",
                    product=line.product_id.display_name, contract=name)
        if not self.line_ids and not self.currency_id.is_zero(self.annual_amount):
            return self.env._("Contract %(contract)s has no lines to invoice: add a line.",
                              contract=name)
        return ''

    def _many_periods_error(self, due):
        """Why a run does not bill ``due`` on its own: years of a contract caught up in one
        invoice are a decision (or a typing error in the starting date)."""
        self.ensure_one()
        return self.env._(
            "Contract %(contract)s would bill %(count)s periods at once, from %(start)s to "
            "%(end)s: more than %(maximum)s. A Service Invoicing manager confirms it with Bill "
            "Many Periods at Once in Create Contract Invoices; or correct its starting date.",
            contract=self.display_name, count=len(due), start=format_date(self.env, due[0].start),
            end=format_date(self.env, due[-1].end), maximum=MAX_PERIODS_AT_ONCE)

    def _check_may_bill_many_periods(self):
        if not self._may_invoice_all():
            raise AccessError(self.env._(
                "Only a Service Invoicing manager can confirm billing more than %(maximum)s "
                "periods of a contract at once (Bill Many Periods at Once).",
                maximum=MAX_PERIODS_AT_ONCE))

    def _income_account(self, product):
        accounts = product.with_company(self.company_id).product_tmpl_id.get_product_accounts(
            fiscal_pos=self.fiscal_position_id)
        return accounts['income'] or self.journal_id.default_account_id

    def _split_over_lines(self, amount, day=None):
        """Share a period amount over the lines by their line amounts (at the prices in effect
        on ``day``, the period's first day; today's without), exact to the cent."""
        lines = self.line_ids
        line_amounts = (self._line_amounts_on(day) if day else None) or {}
        amounts = [line_amounts.get(line, line.line_amount) for line in lines]
        total = sum(line_amounts.values()) if line_amounts else self.calculated_annual_amount
        return list(zip(lines, split_amount(amount, amounts, total, self.currency_id),
                        strict=True))

    def _served_since_last_invoice(self):
        """Contracts invoiced after service with an order shipped after their last period."""
        contracts = self.filtered('invoice_after_service')
        if not contracts:
            return self.browse()
        shipments = self.env['service.shipment'].sudo()._read_group(
            [('order_id.service_contract_id', 'in', contracts.ids)],
            ['order_id'], ['date:max'])
        served = self.browse()
        for order, shipped_on in shipments:
            contract = order.service_contract_id
            if not contract.invoiced_until or shipped_on > contract.invoiced_until:
                served |= contract
        return served
