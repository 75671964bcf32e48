from odoo import api, fields, models
from odoo.exceptions import UserError

from ..const import INVOICE_STATUSES
from ..tools.actions import records_action
from ..tools.trusted import is_trusted, trusted


class ServiceShipment(models.Model):
    """A posted service shipment, as in Business Central: what one posting shipped of one
    order (services, goods, costs), read-only once posted."""

    _name = 'service.shipment'
    _description = "Posted Service Shipment"
    _order = 'date desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="No.", required=True, readonly=True, copy=False, index='trigram')
    order_id = fields.Many2one(
        'sale.order', required=True, readonly=True, index=True,
        ondelete='restrict', check_company=True)
    partner_id = fields.Many2one(related='order_id.partner_id', string="Customer", store=True,
                                 index=True)
    partner_invoice_id = fields.Many2one(related='order_id.partner_invoice_id', store=True)
    company_id = fields.Many2one(related='order_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='order_id.currency_id')
    user_id = fields.Many2one(related='order_id.user_id', string="Salesperson", store=True)
    date = fields.Date(string="Posting Date", required=True, readonly=True, index=True)
    line_ids = fields.One2many('service.shipment.line', 'shipment_id', string="Lines",
                               readonly=True)
    invoice_status = fields.Selection(
        INVOICE_STATUSES, compute='_compute_invoice_status', store=True)
    invoice_ids = fields.Many2many(
        'account.move', string="Invoices", compute='_compute_invoice_ids')
    invoice_count = fields.Integer(compute='_compute_invoice_ids')
    qty_shipped = fields.Float(string="Shipped", compute='_compute_quantities',
                               digits='Product Unit')
    qty_invoiced = fields.Float(string="Invoiced", compute='_compute_quantities',
                                digits='Product Unit')
    qty_consumed = fields.Float(string="Consumed", compute='_compute_quantities',
                                digits='Product Unit')
    backlog_amount = fields.Monetary(string="In the Backlog", compute='_compute_quantities')

    @api.depends('line_ids.qty_shipped', 'line_ids.qty_consumed', 'line_ids.qty_invoiced')
    def _compute_invoice_status(self):
        for shipment in self:
            shipment.invoice_status = shipment.line_ids._invoice_status()

    def _compute_quantities(self):
        for shipment in self:
            lines = shipment.line_ids
            shipment.qty_shipped = sum(lines.mapped('qty_shipped'))
            shipment.qty_invoiced = sum(lines.mapped('qty_invoiced'))
            shipment.qty_consumed = sum(lines.mapped('qty_consumed'))
            shipment.backlog_amount = sum(lines.billing_item_ids.mapped('amount'))

    def action_view_billing_items(self):
        """Open this shipment's lines in the billing backlog."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_billing_item')
        action['domain'] = [('shipment_line_id', 'in', self.line_ids.ids)]
        action['context'] = {}
        return action

    def _compute_invoice_ids(self):
        for shipment in self:
            shipment.invoice_ids = shipment.line_ids.invoice_line_ids.move_id
            shipment.invoice_count = len(shipment.invoice_ids)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_posted_by_the_product()
        for vals in vals_list:
            if not vals.get('name'):
                order = self.env['sale.order'].browse(vals.get('order_id'))
                vals['name'] = self.env['ir.sequence'].with_company(
                    order.company_id or self.env.company).next_by_code('service.shipment')
        return super().create(vals_list)

    def write(self, vals):
        self._check_posted_by_the_product()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        raise UserError(self.env._(
            "Posted shipment %(shipment)s cannot be deleted: a posted document is kept.",
            shipment=self[:1].display_name))

    def action_view_order(self):
        """Open the order of this shipment."""
        self.ensure_one()
        return self.order_id.get_formview_action()

    def action_view_invoices(self):
        """Open the invoices and credit notes that bill this shipment."""
        return records_action(self.invoice_ids, 'account.action_move_out_invoice_type',
                              context={'default_move_type': 'out_invoice'})

    def _check_posted_by_the_product(self):
        if not is_trusted(self):
            raise UserError(self.env._(
                "Posted shipments (%(shipments)s) are made by posting a service order (Ship, "
                "Ship and Invoice, Consume) and cannot be created or changed by hand.",
                shipments=', '.join(self.mapped('name')) or self.env._("new")))

    @api.model
    def _post_shipment(self, order, date, lines_vals):
        """Post a shipment of ``order`` dated ``date`` with the lines ``lines_vals`` (values
        of service.shipment.line without shipment)."""
        # Posted as a consequence of a posting or a delivery: whoever may post those posts
        # the shipment, which nobody can create or change by hand.
        shipment = trusted(self.sudo()).create({
            'order_id': order.id, 'date': date,
            'line_ids': [fields.Command.create(vals) for vals in lines_vals],
        })
        return shipment.with_env(self.env)
