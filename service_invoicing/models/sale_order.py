from odoo import api, fields, models

from ..tools.actions import records_action


class SaleOrder(models.Model):
    _inherit = 'sale.order'

    service_contract_id = fields.Many2one(
        'service.contract', index='btree_not_null', copy=False,
        check_company=True, domain="[('state', '!=', 'cancelled')]",
        help="The service contract this order serves: a contract invoiced after service waits "
             "for a shipped order.")
    service_shipment_ids = fields.One2many(
        'service.shipment', 'order_id', string="Posted Shipments", readonly=True)
    service_shipment_count = fields.Integer(compute='_compute_service_shipment_count')
    service_backlog_amount = fields.Monetary(
        string="In the Backlog", compute='_compute_service_backlog',
        help="Shipped and not invoiced yet, untaxed.")
    service_backlog_count = fields.Integer(compute='_compute_service_backlog')

    @api.depends('service_shipment_ids')
    def _compute_service_shipment_count(self):
        for order in self:
            order.service_shipment_count = len(order.service_shipment_ids)

    def _compute_service_backlog(self):
        groups = {order: (count, amount) for order, count, amount in
                  self.env['service.billing.item']._read_group(
                      [('order_id', 'in', self.ids),
                       ('billing_status', 'in', ('ready', 'not_ready'))],
                      ['order_id'], ['__count', 'amount:sum'])}
        for order in self:
            order.service_backlog_count, order.service_backlog_amount = \
                groups.get(order, (0, 0.0))

    def action_view_service_billing_items(self):
        """Open the order's shipment lines in the billing backlog."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_billing_item')
        action['domain'] = [('order_id', 'in', self.ids)]
        action['context'] = {'search_default_waiting': 1}
        return action

    def action_view_service_shipments(self):
        """Open the posted shipments of this order."""
        return records_action(self.service_shipment_ids,
                              'service_invoicing.action_service_shipment')

    def action_service_post(self):
        """Post: open the posting wizard (Ship, Invoice, Ship and Invoice, Consume)."""
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Post Service Order"),
            'res_model': 'service.order.post.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'active_model': 'sale.order', 'active_ids': self.ids},
        }

    def _service_invoice_grouping_key(self):
        """Orders with the same key can share one (combined) invoice."""
        self.ensure_one()
        return (self.partner_invoice_id.id, self.company_id.id, self.currency_id.id,
                self.journal_id.id, self.fiscal_position_id.id, self.payment_term_id.id)
