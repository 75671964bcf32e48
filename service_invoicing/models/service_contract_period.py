from odoo import fields, models
from odoo.exceptions import UserError

from ..tools.formatting import format_period


class ServiceContractPeriod(models.Model):
    """An invoiced period of a contract: the guard that bills a period once only."""

    _name = 'service.contract.period'
    _description = "Invoiced Contract Period"
    _order = 'contract_id, date_start'

    contract_id = fields.Many2one(
        'service.contract', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='contract_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='contract_id.currency_id')
    date_start = fields.Date(string="Period Start", required=True)
    date_end = fields.Date(string="Period End", required=True)
    amount = fields.Monetary()
    invoice_id = fields.Many2one('account.move', required=True, ondelete='cascade', index=True)
    invoice_state = fields.Selection(related='invoice_id.state', string="Invoice Status")
    credited = fields.Boolean(
        readonly=True, copy=False,
        help="Credited in full by a posted credit note: the period is back in the billing "
             "backlog, ready to invoice again as it was when it was billed.")
    billing_item_ids = fields.One2many('service.billing.item', 'period_id',
                                       string="Backlog Item")

    # No day of a contract is billed twice: two periods of one contract never overlap. The
    # contract id goes in as a one-value range so that GiST needs no extension (btree_gist).
    # A period credited in full no longer counts: it may be billed again.
    _contract_period_no_overlap = models.Constraint(
        "EXCLUDE USING gist (int4range(contract_id, contract_id, '[]'::text) WITH &&, "
        "daterange(date_start, date_end, '[]'::text) WITH &&) WHERE ((credited IS NOT TRUE))",
        "A day of this contract period is invoiced already.")
    _period_dates_in_order = models.Constraint(
        'CHECK(date_end >= date_start)', "A contract period cannot end before it starts.")

    def _compute_display_name(self):
        for period in self:
            period.display_name = self.env._(
                "%(contract)s, %(period)s", contract=period.contract_id.name,
                period=format_period(self.env, period.date_start, period.date_end))

    def _release(self):
        """Give these billed periods back to their contracts: their draft invoice no longer
        bills them. Refused while a later period of the same contract stays billed, which
        would leave a hole that no run bills again."""
        periods = self.sudo()
        if not periods:
            return
        others = periods.search([('contract_id', 'in', periods.contract_id.ids),
                                 ('id', 'not in', periods.ids), ('credited', '=', False)])
        for period in periods:
            later = others.filtered_domain([('contract_id', '=', period.contract_id.id),
                                            ('date_start', '>', period.date_start)])
            if later:
                raise UserError(self.env._(
                    "%(invoice)s bills %(period)s, but the later period %(later)s of that "
                    "contract stays billed by %(later_invoice)s: cancel the later invoice first "
                    "(or delete its line of that period).",
                    invoice=period.invoice_id.display_name, period=period.display_name,
                    later=later[-1].display_name, later_invoice=later[-1].invoice_id.display_name))
        periods.unlink()

    def _is_credited_in_full(self):
        """Whether posted credit notes gave back all that posted invoices billed of this
        period."""
        self.ensure_one()
        lines = self.env['account.move.line'].sudo().search([
            ('service_contract_id', '=', self.contract_id.id),
            ('service_period_start', '=', self.date_start), ('parent_state', '=', 'posted'),
            ('move_id.move_type', 'in', ('out_invoice', 'out_refund'))])
        credits = lines.filtered(lambda line: line.move_id.move_type == 'out_refund')
        net = sum(lines.mapped('price_total')) - 2 * sum(credits.mapped('price_total'))
        return bool(credits) and self.currency_id.compare_amounts(net, 0.0) <= 0
