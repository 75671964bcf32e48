from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = 'account.move'

    service_contract_ids = fields.Many2many(
        'service.contract', string="Service Contracts", compute='_compute_service_contract_ids')
    service_contract_count = fields.Integer(compute='_compute_service_contract_ids')
    service_period_ids = fields.One2many(
        'service.contract.period', 'invoice_id', string="Billed Contract Periods")

    @api.depends('invoice_line_ids.service_contract_id')
    def _compute_service_contract_ids(self):
        for move in self:
            move.service_contract_ids = move.invoice_line_ids.service_contract_id
            move.service_contract_count = len(move.service_contract_ids)

    def button_cancel(self):
        # A cancelled draft contract invoice gives its periods back to the contracts.
        self.filtered(lambda move: move.state == 'draft')._release_service_periods()
        return super().button_cancel()

    def unlink(self):
        self._release_service_periods()
        return super().unlink()

    def action_view_service_contracts(self):
        """Open the service contracts that this invoice bills."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_contract')
        contracts = self.service_contract_ids
        action['domain'] = [('id', 'in', contracts.ids)]
        if len(contracts) == 1:
            action.update(views=[(False, 'form')], res_id=contracts.id)
        return action

    def _release_service_periods(self):
        periods = self.sudo().service_period_ids
        if not periods:
            return
        others = self.env['service.contract.period'].sudo().search([
            ('contract_id', 'in', periods.contract_id.ids),
            ('invoice_id', 'not in', self.ids),
        ])
        for period in periods:
            later = others.filtered_domain([('contract_id', '=', period.contract_id.id),
                                            ('date_start', '>', period.date_start)])
            if later:
                raise UserError(self.env._(
                    "Invoice %(invoice)s bills %(period)s, but a later period of that contract "
                    "is billed by %(later)s: cancel the later invoice first.",
                    invoice=period.invoice_id.display_name, period=period.display_name,
                    later=later[0].invoice_id.display_name))
        periods.unlink()
