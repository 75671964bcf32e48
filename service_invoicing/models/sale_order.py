from odoo import api, fields, models


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

    @api.depends('service_shipment_ids')
    def _compute_service_shipment_count(self):
        for order in self:
            order.service_shipment_count = len(order.service_shipment_ids)

    def action_view_service_shipments(self):
        """Open the posted shipments of this order."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_shipment')
        shipments = self.service_shipment_ids
        action['domain'] = [('id', 'in', shipments.ids)]
        if len(shipments) == 1:
            action.update(views=[(False, 'form')], res_id=shipments.id)
        return action

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
