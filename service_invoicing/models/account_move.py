from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = 'account.move'

    service_contract_ids = fields.Many2many(
        'service.contract', string="Service Contracts", compute='_compute_service_contract_ids')
    service_contract_count = fields.Integer(compute='_compute_service_contract_ids')
    service_period_ids = fields.One2many(
        'service.contract.period', 'invoice_id', string="Billed Contract Periods")
    service_picking_ids = fields.Many2many(
        'stock.picking', string="Shipments", compute='_compute_service_picking_ids')
    service_picking_count = fields.Integer(compute='_compute_service_picking_ids')

    @api.depends('invoice_line_ids.service_contract_id')
    def _compute_service_contract_ids(self):
        for move in self:
            move.service_contract_ids = move.invoice_line_ids.service_contract_id
            move.service_contract_count = len(move.service_contract_ids)

    @api.depends('invoice_line_ids.service_stock_move_id')
    def _compute_service_picking_ids(self):
        for move in self:
            move.service_picking_ids = move.invoice_line_ids.service_stock_move_id.picking_id
            move.service_picking_count = len(move.service_picking_ids)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        invoiced = posted.filtered(lambda move: move.move_type == 'out_invoice') \
            .invoice_line_ids.service_stock_move_id
        credited = posted.filtered(lambda move: move.move_type == 'out_refund') \
            .invoice_line_ids.service_stock_move_id
        shipment_moves = invoiced | credited
        if shipment_moves:
            # Two invoices of the same delivery posted at once wait for each other here.
            self.env.cr.execute("SELECT id FROM stock_move WHERE id = ANY(%s) FOR UPDATE",
                                [shipment_moves.ids])
            shipment_moves.invalidate_recordset(['service_qty_invoiced', 'service_qty_consumed'])
            invoiced._service_check_not_over_invoiced()
            credited._service_check_not_over_credited()
        return posted

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

    def action_get_shipment_lines(self):
        """Get Shipment Lines: choose the customer's shipped, not invoiced delivery lines."""
        self.ensure_one()
        if self.move_type != 'out_invoice' or self.state != 'draft':
            raise UserError(self.env._(
                "Get Shipment Lines works on a draft customer invoice; %(invoice)s is not one.",
                invoice=self.display_name))
        if not self.partner_id:
            raise UserError(self.env._("Choose the customer of the invoice first."))
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Get Shipment Lines"),
            'res_model': 'service.shipment.lines.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_invoice_id': self.id},
        }

    def action_view_service_pickings(self):
        """Open the deliveries this invoice bills."""
        action = self.env['ir.actions.act_window']._for_xml_id('stock.action_picking_tree_all')
        action['domain'] = [('id', 'in', self.service_picking_ids.ids)]
        return action

    def _service_queue_sending(self):
        """Queue Odoo's own invoice sending (PDF and email) for the posted invoices.

        The sending workers (``_service_send_queued_invoices``) are woken at once; Odoo's own
        sending job would take them too, and the row locks keep each invoice sent once.
        """
        posted = self.filtered(lambda move: move.state == 'posted')
        if posted:
            posted.sending_data = {
                'author_user_id': self.env.user.id,
                'author_partner_id': self.env.user.partner_id.id,
            }
            for xmlid in ('service_invoicing.ir_cron_send_queued_invoices',
                          'service_invoicing.ir_cron_send_queued_invoices_2'):
                self.env.ref(xmlid)._trigger()

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
