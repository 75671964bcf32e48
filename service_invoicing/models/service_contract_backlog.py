"""Contract periods in the billing backlog: every period due is an item, billed or not."""

from odoo import api, fields, models

from ..tools import invoice_period as periods
from ..tools.formatting import format_period
from ..tools.trusted import trusted


class ServiceContract(models.Model):
    _inherit = 'service.contract'  # pylint: disable=consider-merging-classes-inherited

    billing_item_ids = fields.One2many(
        'service.billing.item', 'contract_id', string="Backlog Items", readonly=True)
    backlog_amount = fields.Monetary(
        string="Open Backlog", compute='_compute_billing_statistics',
        help="Due and not invoiced yet.")
    backlog_count = fields.Integer(compute='_compute_billing_statistics')
    billed_to_date = fields.Monetary(
        compute='_compute_billing_statistics',
        help="Untaxed, on posted invoices less posted credit notes.")
    billed_this_year = fields.Monetary(
        compute='_compute_billing_statistics',
        help="Untaxed, for periods starting this calendar year (posted, less credits).")

    def _compute_billing_statistics(self):
        items = dict(self.env['service.billing.item']._read_group(
            [('contract_id', 'in', self.ids), ('billing_status', 'in', ('ready', 'not_ready'))],
            ['contract_id'], ['amount:sum']))
        counts = dict(self.env['service.billing.item']._read_group(
            [('contract_id', 'in', self.ids), ('billing_status', 'in', ('ready', 'not_ready'))],
            ['contract_id'], ['__count']))
        year_start = fields.Date.context_today(self).replace(month=1, day=1)
        billed, this_year = {}, {}
        for contract, start, move_type, amount in self.env['account.move.line']._read_group(
                [('service_contract_id', 'in', self.ids), ('parent_state', '=', 'posted')],
                ['service_contract_id', 'service_period_start:day', 'move_id.move_type'],
                ['price_subtotal:sum']):
            signed = -amount if move_type == 'out_refund' else amount
            billed[contract] = billed.get(contract, 0.0) + signed
            if start and start >= year_start:
                this_year[contract] = this_year.get(contract, 0.0) + signed
        for contract in self:
            contract.backlog_amount = items.get(contract, 0.0)
            contract.backlog_count = counts.get(contract, 0)
            contract.billed_to_date = billed.get(contract, 0.0)
            contract.billed_this_year = this_year.get(contract, 0.0)

    def action_view_billing_items(self):
        """Open the contract's periods in the billing backlog."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_billing_item')
        action['domain'] = [('contract_id', 'in', self.ids)]
        action['context'] = {'search_default_waiting': 1}
        return action

    @api.model
    def _cron_sync_billing_backlog(self):
        """Daily job: the backlog holds every period of a signed contract due today."""
        self.search([('state', '=', 'signed')])._sync_billing_items()

    def _sync_billing_items(self, up_to=None):
        """Make the backlog hold the periods of these contracts due up to ``up_to`` (today):
        new items for new due periods (ready or not by the company's setting), unbilled
        items updated to what the contract bills now, or removed when no longer due."""
        up_to = up_to or fields.Date.context_today(self)
        Item = trusted(self.env['service.billing.item'].sudo())
        keep = Item
        vals_list = []
        for contract in self:
            due = [] if contract.state != 'signed' else periods.due_periods(
                contract.date_start, contract.date_end, contract.invoice_period,
                contract.prepaid, contract.invoiced_until, up_to)
            existing = {item.period_start: item
                        for item in Item.browse(contract.sudo().billing_item_ids.ids)}
            ready = contract.company_id.service_backlog_contract_ready
            for period in due:
                amount = contract._period_amount(period)
                values = contract._billing_item_values(period, amount)
                item = existing.get(period.start)
                if item:
                    if not item.period_id:
                        item.write(values)
                    keep |= item
                else:
                    vals_list.append({**values, 'ready': ready})
        unbilled = Item.search([('contract_id', 'in', self.ids), ('period_id', '=', False)])
        (unbilled - keep).unlink()
        Item.create(vals_list)

    def _billing_item_values(self, period, amount):
        """What an item of this contract's ``period`` shows."""
        self.ensure_one()
        line = self.line_ids[:1] if len(self.line_ids) == 1 else self.line_ids.browse()
        return {
            'source_type': 'contract_period',
            'contract_id': self.id,
            'period_start': period.start,
            'period_end': period.end,
            'partner_id': self.partner_invoice_id.commercial_partner_id.id,
            'partner_invoice_id': self.partner_invoice_id.id,
            'company_id': self.company_id.id,
            'currency_id': self.currency_id.id,
            'user_id': self.user_id.id,
            'product_id': line.product_id.id,
            'product_uom_id': line.product_uom_id.id,
            'name': self.env._("Contract %(contract)s, %(period)s", contract=self.name,
                               period=format_period(self.env, period.start, period.end)),
            'date': periods.invoice_date_of(period, self.prepaid),
            'price_unit': amount,
        }

    def _link_billed_periods_to_items(self, billed_periods):
        """Billed periods (from any run) are the items' bill: link them, or add the item of a
        period billed before it was due in the backlog (a catch-up run)."""
        Item = trusted(self.env['service.billing.item'].sudo())
        items = Item.search([('contract_id', 'in', billed_periods.contract_id.ids), '|',
                             ('period_id', '=', False), ('period_id.credited', '=', True)])
        by_key = {(item.contract_id, item.period_start): item for item in items}
        vals_list = []
        for billed in billed_periods:
            item = by_key.get((billed.contract_id, billed.date_start))
            if item:
                item.period_id = billed
                continue
            contract = billed.contract_id
            period = periods.Period(billed.date_start, billed.date_end, billed.date_start,
                                    billed.date_end, 0)
            vals_list.append({**contract._billing_item_values(period, billed.amount),
                              'period_id': billed.id, 'ready': True})
        Item.create(vals_list)
