import logging
from collections import defaultdict
from datetime import datetime, time

from odoo import api, fields, models
from odoo.fields import Domain

_logger = logging.getLogger(__name__)


class StockPicking(models.Model):
    _inherit = 'stock.picking'

    service_invoice_state = fields.Selection(
        [('nothing', "Nothing to Invoice"), ('to_invoice', "To Invoice"),
         ('partial', "Partly Invoiced"), ('invoiced', "Fully Invoiced")],
        string="Invoicing Status", compute='_compute_service_invoice_state', store=True)
    service_invoice_ids = fields.Many2many(
        'account.move', string="Invoices", compute='_compute_service_invoice_ids')
    service_invoice_count = fields.Integer(compute='_compute_service_invoice_ids')

    @api.depends('move_ids.service_qty_shipped', 'move_ids.service_qty_invoiced',
                 'move_ids.service_qty_consumed')
    def _compute_service_invoice_state(self):
        for picking in self:
            moves = picking.move_ids.filtered('service_qty_shipped')
            billable = sum(move.service_qty_shipped - move.service_qty_consumed for move in moves)
            invoiced = sum(moves.mapped('service_qty_invoiced'))
            if not moves or billable <= 0:
                picking.service_invoice_state = 'nothing'
            elif invoiced <= 0:
                picking.service_invoice_state = 'to_invoice'
            elif invoiced < billable:
                picking.service_invoice_state = 'partial'
            else:
                picking.service_invoice_state = 'invoiced'

    def _compute_service_invoice_ids(self):
        for picking in self:
            picking.service_invoice_ids = picking.move_ids.service_invoice_line_ids.move_id
            picking.service_invoice_count = len(picking.service_invoice_ids)

    def action_view_service_invoices(self):
        """Open the invoices and credit notes of this delivery."""
        action = self.env['ir.actions.act_window']._for_xml_id(
            'account.action_move_out_invoice_type')
        action['domain'] = [('id', 'in', self.service_invoice_ids.ids)]
        action['context'] = {'default_move_type': 'out_invoice'}
        return action

    @api.model
    def _service_shipment_items(self, date_to, partners=None, companies=None,
                                standard_payment_terms_only=False):
        """Shipped, not invoiced items up to ``date_to``: ([(order line, delivery, quantity)],
        number of shipment lines left to others). A user bills the orders they may read
        (Sales: own documents); what they may not is left, counted, for its salesperson or
        a manager."""
        domain = Domain([
            ('state', '=', 'done'), ('picking_code', '=', 'outgoing'),
            ('sale_line_id', '!=', False), ('service_qty_open', '>', 0),
            ('date', '<=', datetime.combine(date_to, time.max)),
        ])
        line_domain = Domain([
            ('state', '=', 'sale'), ('qty_delivered_method', '=', 'service_posting'),
            ('qty_shipped_not_invoiced', '>', 0),
            ('order_id.date_order', '<=', datetime.combine(date_to, time.max)),
        ])
        if partners:
            commercial = partners.commercial_partner_id.ids
            domain &= Domain('sale_line_id.order_id.partner_id.commercial_partner_id', 'in',
                             commercial)
            line_domain &= Domain('order_partner_id.commercial_partner_id', 'in', commercial)
        if companies:
            domain &= Domain('company_id', 'in', companies.ids)
            line_domain &= Domain('company_id', 'in', companies.ids)
        all_moves = self.env['stock.move'].search(domain, order='date, id')
        moves = all_moves._service_filtered_billable()
        lines = self.env['sale.order.line'].search(line_domain, order='id')
        left = len(all_moves - moves)
        if not self.env.su:
            left += self.env['sale.order.line'].sudo().search_count(line_domain) - len(lines)
        items = [(move.sale_line_id, move, quantity)
                 for move, quantity in moves._service_invoiceable_quantities().items()]
        items += [(line, self.env['stock.move'], line.qty_shipped_not_invoiced)
                  for line in lines]
        if standard_payment_terms_only:
            items = [item for item in items if item[0].order_id.payment_term_id
                     == item[0].order_id.partner_id.property_payment_term_id]
        return items, left

    @api.model
    def _service_combine_shipments(self, date_to, posting_date=None, document_date=None,
                                   post=False, send=False, partners=None, companies=None,
                                   standard_payment_terms_only=False):
        """Combine Shipments: one invoice per customer from every shipped, not invoiced line.

        Returns (invoices, failed, left): the invoices created (one per customer, invoice
        address, currency, company, journal, fiscal position and payment terms); for each
        invoice that Odoo refused to create or post, (orders, message); the number of shipment
        lines left to others (orders this user may not read). One refused invoice never
        stops the others: it is not created (its lines stay to invoice) or stays a draft.
        """
        items, left = self._service_shipment_items(
            date_to, partners=partners, companies=companies,
            standard_payment_terms_only=standard_payment_terms_only)
        SaleLine = self.env['sale.order.line']
        dates = {'invoice_date': document_date or posting_date, 'accounting_date': posting_date}
        failed = []
        try:
            with self.env.cr.savepoint():
                invoices = SaleLine._service_create_invoices_from_items(items, **dates)
        except Exception:  # retried invoice by invoice, each refusal reported
            _logger.info("Combine Shipments: creating the invoices at once failed, retrying "
                         "invoice by invoice")
            groups = defaultdict(list)
            for item in items:
                groups[item[0].order_id._service_invoice_grouping_key()].append(item)
            invoices = self.env['account.move']
            for group in groups.values():
                try:
                    with self.env.cr.savepoint():
                        invoices |= SaleLine._service_create_invoices_from_items(group, **dates)
                except Exception as error:
                    orders = SaleLine.union(*(line for line, _m, _q in group)).order_id
                    failed.append(self._service_combine_failure(orders, error))
        posted = invoices.browse()
        if post or send:
            posted = self._service_post_combined(invoices, failed)
        if send:
            posted._service_queue_sending()
        return invoices, failed, left

    def _service_post_combined(self, invoices, failed):
        """Post the invoices; one that Odoo refuses stays a draft and is added to ``failed``."""
        refused = invoices._service_post_each()
        for invoice, error in refused:
            failed.append(self._service_combine_failure(
                invoice.invoice_line_ids.sale_line_ids.order_id, error, invoice))
        return invoices - invoices.browse([invoice.id for invoice, _error in refused])

    @api.model
    def _service_combine_failure(self, orders, error, invoice=None):
        reason = error.args[0] if error.args else str(error)
        if invoice:
            message = self.env._(
                "The invoice %(invoice)s of orders %(orders)s was created but not posted: "
                "%(error)s", invoice=invoice.display_name, orders=', '.join(orders.mapped('name')),
                error=reason)
        else:
            message = self.env._(
                "Orders %(orders)s of %(customer)s could not be invoiced: %(error)s",
                orders=', '.join(orders.mapped('name')),
                customer=orders[:1].partner_invoice_id.display_name, error=reason)
        return orders, message

    @api.model
    def _cron_combine_shipments(self):
        """Optional daily job: draft combined invoices for everything shipped until today.

        A refused invoice gets an activity on its orders for their salesperson."""
        invoices, failed, _left = self._service_combine_shipments(
            fields.Date.context_today(self))
        for orders, message in failed:
            _logger.warning("Combine Shipments: %s", message)
            for order in orders:
                order.activity_schedule(
                    'mail.mail_activity_data_todo', summary=self.env._("Combine Shipments failed"),
                    note=message, user_id=(order.user_id or self.env.user).id)
        return invoices, failed
