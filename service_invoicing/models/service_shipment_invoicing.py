"""Invoicing posted shipment lines: order posting (Invoice), Get Shipment Lines and Combine
Shipments all build their invoices here, one per customer (invoice address, currency, company,
journal, fiscal position, payment terms), created complete in one call."""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)


class ServiceShipmentLine(models.Model):
    _inherit = 'service.shipment.line'

    @api.model
    def _create_invoices_from_items(self, items, invoice_date=None, accounting_date=None,
                                    batch=None, deduct_down_payments=True, notes=None):
        """Create the invoices of [(shipment line, quantity)] in one call (``batch``: what
        the fast path learns, see ``account.move._service_create_invoices``)."""
        vals_list = self._prepare_invoices_vals(
            items, invoice_date, accounting_date, deduct_down_payments=deduct_down_payments,
            notes=notes)
        return self.env['account.move']._service_create_invoices(vals_list, batch=batch)

    @api.model
    def _prepare_invoices_vals(self, items, invoice_date=None, accounting_date=None,
                               deduct_down_payments=True, notes=None):
        """Invoice values: one invoice per customer key (``sale.order``'s), each line billing
        a quantity of one shipment line at its order line's price, taxes and discount; less
        the down payments of its orders, as Odoo's Create Invoice deducts them by default
        (``deduct_down_payments``; one that does not fit is said in ``notes``)."""
        # Records that share one prefetch set: the orders, lines and taxes of the whole batch
        # are read in a few queries instead of a few per line.
        shipment_lines = self.browse([line.id for line, _quantity in items])
        quantities = [quantity for _line, quantity in items]
        self._check_quantities_for_draft(list(zip(shipment_lines, quantities, strict=True)))
        groups = defaultdict(list)
        for line, quantity in zip(shipment_lines, quantities, strict=True):
            groups[line.order_id._service_invoice_grouping_key()].append((line, quantity))
        vals_list = []
        for group in groups.values():
            orders = self.env['sale.order'].union(*(line.order_id for line, _q in group))
            invoice_vals = orders[0]._prepare_invoice()
            invoice_vals['invoice_origin'] = ', '.join(sorted(orders.mapped('name')))
            if invoice_date:
                invoice_vals['invoice_date'] = invoice_date
            if accounting_date:
                invoice_vals['date'] = accounting_date
            invoice_vals['invoice_line_ids'] += [
                Command.create(line.order_line_id._prepare_invoice_line(
                    quantity=quantity, service_shipment_line_id=line.id))
                for line, quantity in group
            ]
            if deduct_down_payments:
                # Their down payments read for all the batch's orders at once (one prefetch).
                invoice_vals['invoice_line_ids'] += orders.with_prefetch(
                    group[0][0].order_id._prefetch_ids)._service_down_payment_deductions(
                    invoice_vals, notes)
            vals_list.append(invoice_vals)
        return vals_list

    def _filtered_billable(self):
        """The shipment lines this user may bill: those of order lines they may read (Sales:
        own documents for a salesperson, all for a manager)."""
        readable = self.order_line_id._filtered_access('read')
        return self.filtered(lambda line: line.order_line_id in readable)

    @api.model
    def _items_to_invoice(self, date_to, partners=None, companies=None,
                          standard_payment_terms_only=False):
        """Shipped, not invoiced items up to ``date_to``: ([(shipment line, quantity)],
        number of shipment lines left to others). A user bills the orders they may read;
        what they may not is left, counted, for its salesperson or a manager."""
        domain = Domain([('qty_to_invoice', '>', 0), ('date', '<=', date_to)])
        if partners:
            domain &= Domain('commercial_partner_id', 'in', partners.commercial_partner_id.ids)
        if companies:
            domain &= Domain('company_id', 'in', companies.ids)
        # Every line of the user's companies, whoever sells it (the orders' own rules would
        # hide the others from the count); cancelled orders bill nothing.
        found = self.search(domain, order='date, id').filtered(
            lambda line: line.sudo().order_id.state == 'sale')
        lines = found._filtered_billable()
        items = [(line, line.qty_to_invoice) for line in lines]
        if standard_payment_terms_only:
            items = [item for item in items if item[0].order_id.payment_term_id
                     == item[0].order_id.partner_id.property_payment_term_id]
        return items, len(found - lines)

    @api.model
    def _combine_shipments(self, date_to, posting_date=None, document_date=None, post=False,
                           send=False, partners=None, companies=None,
                           standard_payment_terms_only=False, batch=None,
                           deduct_down_payments=True):
        """Combine Shipments: one invoice per customer from every shipped, not invoiced line,
        less the orders' down payments as Odoo's Create Invoice deducts them
        (``deduct_down_payments``; one more than its invoice bills waits for a later one, said
        in ``batch['down_payment_notes']``).

        Returns (invoices, failed, left): the invoices created; for each invoice that Odoo
        refused to create or post, (orders, message); the number of shipment lines left to
        others (orders this user may not read). One refused invoice never stops the others:
        it is not created (its lines stay to invoice) or stays a draft.
        """
        items, left = self._items_to_invoice(
            date_to, partners=partners, companies=companies,
            standard_payment_terms_only=standard_payment_terms_only)
        batch = {} if batch is None else batch
        notes = batch.setdefault('down_payment_notes', [])
        options = {'invoice_date': document_date or posting_date,
                   'accounting_date': posting_date, 'batch': batch,
                   'deduct_down_payments': deduct_down_payments, 'notes': notes}
        failed = []
        try:
            with self.env.cr.savepoint():
                invoices = self._create_invoices_from_items(items, **options)
        except CONCURRENCY_ERRORS:
            raise  # not a refusal: the transaction is done again
        except Exception:  # retried invoice by invoice, each refusal reported
            _logger.info("Combine Shipments: creating the invoices at once failed, retrying "
                         "invoice by invoice")
            notes.clear()  # said again by the invoices made one by one
            groups = defaultdict(list)
            for item in items:
                groups[item[0].order_id._service_invoice_grouping_key()].append(item)
            invoices = self.env['account.move']
            for group in groups.values():
                try:
                    with self.env.cr.savepoint():
                        invoices |= self._create_invoices_from_items(group, **options)
                except CONCURRENCY_ERRORS:
                    raise
                except Exception as error:
                    orders = self.union(*(line for line, _q in group)).order_id
                    failed.append(self._combine_failure(orders, error))
        posted = invoices.browse()
        if post or send:
            refused = invoices._service_post_each()
            for invoice, error in refused:
                failed.append(self._combine_failure(
                    invoice.invoice_line_ids.sale_line_ids.order_id, error, invoice))
            posted = invoices - invoices.browse([invoice.id for invoice, _error in refused])
        if send:
            posted._service_queue_sending()
        notes += self._drafts_beside(items, invoices)
        return invoices, failed, left

    @api.model
    def _drafts_beside(self, items, invoices=None):
        """What Combine Shipments says of the customers it invoices that already have a draft
        invoice holding shipment lines (Get Shipment Lines, a proforma): its invoice is made
        beside that draft, which keeps its lines."""
        partners = self.union(*(line for line, _quantity in items)).commercial_partner_id
        if not partners:
            return []
        drafts = self.env['account.move'].search([
            ('move_type', '=', 'out_invoice'), ('state', '=', 'draft'),
            ('commercial_partner_id', 'in', partners.ids),
            ('invoice_line_ids.service_shipment_line_id', '!=', False),
            ('id', 'not in', (invoices or self.env['account.move']).ids)])
        notes = []
        for partner in partners.filtered(lambda partner: partner in drafts.commercial_partner_id):
            held = drafts.filtered(lambda move, partner=partner:
                                   move.commercial_partner_id == partner)
            notes.append(self.env._(
                "%(customer)s already has a draft invoice holding shipment lines (%(drafts)s): "
                "Combine Shipments invoices the rest beside it. Post or delete that draft.",
                customer=partner.display_name,
                drafts=', '.join(held.mapped('display_name'))))
        return notes

    @api.model
    def _combine_failure(self, orders, error, invoice=None):
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
        batch = {}
        invoices, failed, _left = self._combine_shipments(fields.Date.context_today(self),
                                                          batch=batch)
        self._report_combine_job(batch['down_payment_notes'], failed)
        return invoices, failed

    @api.model
    def _report_combine_job(self, notes, failed):
        """What the daily job says of its run: the notes in the log, each refusal in the log
        and as an activity on its orders for their salesperson."""
        for note in notes:
            _logger.info("Combine Shipments: %s", note)
        for orders, message in failed:
            _logger.warning("Combine Shipments: %s", message)
            for order in orders:
                order.activity_schedule(
                    'mail.mail_activity_data_todo', summary=self.env._("Combine Shipments failed"),
                    note=message, user_id=(order.user_id or self.env.user).id)
