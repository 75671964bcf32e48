from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..const import SENDING_CRON_CODE, SERVICE_ENGINE_MOVE_FIELDS
from ..tools.actions import records_action
from ..tools.formatting import format_money, format_quantity
from ..tools.trusted import is_trusted, trusted


class AccountMove(models.Model):
    _inherit = 'account.move'

    service_contract_ids = fields.Many2many(
        'service.contract', string="Service Contracts", compute='_compute_service_contract_ids')
    service_contract_count = fields.Integer(compute='_compute_service_contract_ids')
    service_period_ids = fields.One2many(
        'service.contract.period', 'invoice_id', string="Billed Contract Periods")
    service_shipment_ids = fields.Many2many(
        'service.shipment', string="Shipments", compute='_compute_service_shipment_ids')
    service_shipment_count = fields.Integer(compute='_compute_service_shipment_ids')
    service_to_post = fields.Boolean(
        string="Waiting to Be Posted", copy=False, readonly=True,
        help="A run meant to post this invoice and Odoo refused: the next run that posts "
             "invoices tries again.")

    @api.depends('invoice_line_ids.service_contract_id')
    def _compute_service_contract_ids(self):
        for move in self:
            move.service_contract_ids = move.invoice_line_ids.service_contract_id
            move.service_contract_count = len(move.service_contract_ids)

    @api.depends('invoice_line_ids.service_shipment_line_id')
    def _compute_service_shipment_ids(self):
        for move in self:
            move.service_shipment_ids = move.invoice_line_ids.service_shipment_line_id \
                .shipment_id
            move.service_shipment_count = len(move.service_shipment_ids)

    # === POSTING: the one hook of the app and its bridges === #

    def _post(self, soft=True):
        """Odoo's posting, with this app's steps around it in a fixed order. Bridges extend
        the steps, never ``_post`` itself:

        1. ``_service_prepare_posting``: the customer documents as they will post
           (non-chargeable lines written off, dates in range); returns what the checks must
           know of the time before posting;
        2. Odoo's posting;
        3. ``_service_check_posting``: every money rule of the posted documents, each from
           the one method that owns it, as stored whoever posts (in sudo);
        4. ``_service_record_posting``: what posting changes in the backlog.
        """
        documents = self.filtered(lambda move: move.state == 'draft'
                                  and move.move_type in ('out_invoice', 'out_refund'))
        # Non-chargeable lines only: written off and cancelled, nothing to post.
        written_off = documents._service_write_off_before_posting()
        documents -= written_off
        documents._service_forget_links()
        before = documents._service_prepare_posting()
        posted = super(AccountMove, self - written_off)._post(soft=soft) \
            if self - written_off else self.browse()
        trusted(posted.filtered('service_to_post')).service_to_post = False
        posted_documents = posted & documents
        posted_documents._service_forget_links()
        posted_documents._service_refresh_figures()
        posted_documents.sudo()._service_check_posting(before)
        posted_documents._service_forget_links()
        posted_documents._service_record_posting(before)
        return posted

    def _service_prepare_posting(self):
        """Step 1 of posting (drafts about to post): returns {name: value} for the later
        steps (bridges add theirs)."""
        for move in self:
            move.company_id._service_check_dates(
                lambda move=move: self.env._("%(document)s, its dates",
                                             document=move.display_name),
                move.invoice_date, move.date)
        self._service_write_off_non_chargeable()
        return {}

    def _service_check_posting(self, before):
        """Step 3 of posting: the money rules of these posted documents, whoever posts them
        (``self`` in sudo, its links read as stored)."""
        self.invoice_line_ids._service_check_sources()
        self._service_check_billed_periods()
        self._service_check_billed_quantities()

    def _service_forget_links(self):
        """Drop the cached links of these documents' lines: Odoo caches a many2many filtered
        by its reader's record rules, and the rules of posting hold whoever posts (a User
        posting another salesperson's proforma saw no order line on it)."""
        self.invoice_line_ids.invalidate_recordset(
            ['sale_line_ids', *self.env['account.move.line']._service_link_fields()])

    def _service_refresh_figures(self, shipment_lines=None):
        """Compute again the figures of the shipment lines these documents bill (or of
        ``shipment_lines``). Odoo finds what to compute again through the links as its
        cache holds them, filtered by the record rules of whoever posts or cancels: a User
        posting another salesperson's proforma left its shipment lines showing nothing
        invoiced, to be billed again."""
        if shipment_lines is None:
            lines = self.sudo().invoice_line_ids
            shipment_lines = lines.service_shipment_line_id \
                | lines.sale_line_ids.shipment_line_ids
        fields_ = self.env['service.shipment.line']._fields
        for name in ('qty_invoiced', 'qty_in_draft', 'qty_shipped_not_invoiced',
                     'qty_to_invoice'):
            self.env.add_to_compute(fields_[name], shipment_lines)

    def _service_record_posting(self, before):
        """Step 4 of posting: credit notes give back to the backlog what they credited."""
        credit_notes = self.filtered(lambda move: move.move_type == 'out_refund')
        if credit_notes:
            credit_notes._service_give_back_to_the_backlog()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._service_check_engine_fields_untouched(vals)
            self._service_check_line_numbers(vals)
            if vals.get('move_type') in ('out_invoice', 'out_refund'):
                company = self.env['res.company'].browse(vals.get('company_id')) \
                    or self.env.company
                company._service_check_dates(
                    lambda: self.env._("A new customer invoice, its dates"),
                    vals.get('invoice_date'), vals.get('date'))
        return super().create(vals_list)

    def write(self, vals):
        self._service_check_engine_fields_untouched(vals)
        self._service_check_line_numbers(vals)
        if 'invoice_date' in vals or 'date' in vals:
            for move in self.filtered(
                    lambda move: move.move_type in ('out_invoice', 'out_refund')):
                move.company_id._service_check_dates(
                    lambda move=move: self.env._("%(document)s, its dates",
                                                 document=move.display_name),
                    vals.get('invoice_date'), vals.get('date'))
        return super().write(vals)

    def _service_check_line_numbers(self, vals):
        """Numbers of the lines given with an invoice (commands of ``invoice_line_ids`` and
        ``line_ids``), checked before Odoo computes anything with them."""
        Line = self.env['account.move.line']
        for name in ('invoice_line_ids', 'line_ids'):
            for command in vals.get(name) or ():
                if isinstance(command, (list, tuple)) and len(command) == 3 \
                        and isinstance(command[2], dict):
                    Line._service_check_numbers(command[2])

    def _service_check_engine_fields_untouched(self, vals):
        """What the engine records on an invoice (proforma, cut-off and grouping, waiting to
        be posted, the sending's status, attempts and answers) is written by the engine only,
        whoever calls through the API."""
        written = SERVICE_ENGINE_MOVE_FIELDS.intersection(vals)
        if written and not is_trusted(self) and not self.env.su:
            raise UserError(self.env._(
                "%(fields)s of %(invoices)s are recorded by Service Invoicing itself (its "
                "proforma runs, batches and sending) and cannot be written: use Create Proforma "
                "Invoices, Send or Send Again instead.", fields=', '.join(sorted(
                    self._fields[name].get_description(self.env)['string'] for name in written)),
                invoices=', '.join(self.mapped('display_name')) or self.env._("new invoices")))

    def button_cancel(self):
        # A cancelled draft contract invoice gives its periods back to the contracts.
        self.filtered(lambda move: move.state == 'draft').sudo().service_period_ids._release()
        self._service_forget_links()
        result = super().button_cancel()
        self._service_refresh_figures()
        return result

    def button_draft(self):
        self._service_forget_links()
        result = super().button_draft()
        self._service_refresh_figures()
        return result

    def unlink(self):
        self.sudo().service_period_ids._release()
        self._service_forget_links()
        shipment_lines = self.sudo().invoice_line_ids.service_shipment_line_id \
            | self.sudo().invoice_line_ids.sale_line_ids.shipment_line_ids
        result = super().unlink()
        self._service_refresh_figures(shipment_lines.exists())
        return result

    def action_view_service_contracts(self):
        """Open the service contracts that this invoice bills."""
        return records_action(self.service_contract_ids,
                              'service_invoicing.action_service_contract')

    def action_get_shipment_lines(self):
        """Get Shipment Lines: choose the customer's shipped, not invoiced delivery lines."""
        self._service_check_draft_customer_invoice()
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

    def _service_check_draft_customer_invoice(self):
        """Shipment lines go onto draft customer invoices only (credit notes give quantities
        back by reversing an invoice)."""
        self.ensure_one()
        if self.move_type != 'out_invoice' or self.state != 'draft':
            raise UserError(self.env._(
                "Get Shipment Lines works on a draft customer invoice; %(invoice)s is not one.",
                invoice=self.display_name))

    def action_view_service_shipments(self):
        """Open the posted shipments this invoice bills."""
        return records_action(self.service_shipment_ids,
                              'service_invoicing.action_service_shipment')

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
            # Every sending worker, copies made by the administrator included.
            for worker in self.env['ir.cron'].sudo().search(
                    [('code', '=', SENDING_CRON_CODE), ('active', '=', True)]):
                worker._trigger()

    def _service_check_billed_periods(self):
        """Posting a contract invoice: each of its billed periods is billed by a line of it,
        and each of its contract lines by a period of it. Posting a credit note: it credits no
        contract period more than the posted invoices billed of it."""
        invoices = self.filtered(lambda move: move.move_type == 'out_invoice')
        for invoice in invoices.filtered(lambda move: move.service_period_ids
                                         or move.invoice_line_ids.service_contract_id):
            billed = {(line.service_contract_id, line.service_period_start)
                      for line in invoice.invoice_line_ids if line.service_contract_id}
            periods = {(period.contract_id, period.date_start): period
                       for period in invoice.sudo().service_period_ids}
            for contract, start in billed - periods.keys():
                raise UserError(self.env._(
                    "%(invoice)s has a line of contract %(contract)s for the period starting "
                    "%(start)s, but that period is not billed by this invoice: delete the line "
                    "and bill the contract with Create Contract Invoices.",
                    invoice=invoice.display_name, contract=contract.display_name,
                    start=format_date(self.env, start)))
            for key in periods.keys() - billed:
                raise UserError(self.env._(
                    "%(invoice)s bills %(period)s but has no line for it: delete the invoice "
                    "or cancel it so that the period can be billed again.",
                    invoice=invoice.display_name, period=periods[key].display_name))
        credited = self.filtered(lambda move: move.move_type == 'out_refund') \
            .invoice_line_ids.filtered('service_contract_id')
        if credited:
            self._service_check_not_over_credited_periods(credited)

    @api.model
    def _service_check_not_over_credited_periods(self, credit_lines):
        keys = {(line.service_contract_id.id, line.service_period_start)
                for line in credit_lines}
        billed = self.env['account.move.line'].sudo()._read_group(
            [('service_contract_id', 'in', [contract for contract, _start in keys]),
             ('parent_state', '=', 'posted'),
             ('move_id.move_type', 'in', ('out_invoice', 'out_refund'))],
            ['service_contract_id', 'service_period_start:day', 'move_id.move_type'],
            ['price_total:sum'])
        totals = {}
        for contract, start, move_type, amount in billed:
            sign = -1 if move_type == 'out_refund' else 1
            key = (contract.id, start)
            totals[key] = totals.get(key, 0.0) + sign * amount
        for line in credit_lines:
            key = (line.service_contract_id.id, line.service_period_start)
            if line.currency_id.compare_amounts(totals.get(key, 0.0), 0.0) < 0:
                raise UserError(self.env._(
                    "%(credit_note)s would credit more of contract %(contract)s, period starting "
                    "%(start)s, than its posted invoices billed: a credit note cannot give back "
                    "more than was billed. Lower the amount on the credit note.",
                    credit_note=line.move_id.display_name,
                    contract=line.service_contract_id.display_name,
                    start=format_date(self.env, line.service_period_start)))

    def _service_check_billed_quantities(self):
        """Posting invoices and credit notes: no shipment line and no order line is invoiced
        beyond what was shipped, nor credited beyond what was invoiced."""
        invoices = self.filtered(lambda move: move.move_type == 'out_invoice')
        refunds = self.filtered(lambda move: move.move_type == 'out_refund')
        lines = (invoices | refunds).invoice_line_ids
        order_lines = lines.sale_line_ids | lines.service_shipment_line_id.order_line_id
        if not order_lines:
            return
        # Two invoices of the same order line posted at once wait for each other here.
        self.env.cr.execute(
            "SELECT id FROM sale_order_line WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
            [order_lines.ids])
        order_lines.invalidate_recordset()
        order_lines.shipment_line_ids.invalidate_recordset()
        invoices.invoice_line_ids.sale_line_ids._service_check_billed_quantities(invoiced=True)
        refunds.invoice_line_ids.sale_line_ids._service_check_billed_quantities(credited=True)
        refunds._service_check_credited_with_money()

    def _service_check_credited_with_money(self):
        """A credit note gives a quantity back only with its money: per order line, what
        posted invoices billed less what credit notes gave back never exceeds the quantity
        still billed at the price it was billed (the integrity check's own rule, read from
        the posted figures). A quantity credited at zero would be billed a second time."""
        order_lines = self.invoice_line_ids.sale_line_ids
        if not order_lines:
            return
        for finding in self.env['service.billing.integrity']._broken_money_of_order_lines(
                order_lines):
            order_line = self.env['sale.order.line'].browse(finding['res_id'])
            credit_lines = self.invoice_line_ids.filtered(
                lambda line, order_line=order_line: order_line in line.sale_line_ids)
            credited = sum(credit_lines.mapped('price_subtotal'))
            quantity = sum(line.product_uom_id._compute_quantity(
                line.quantity, order_line.product_uom_id) for line in credit_lines)
            raise UserError(self.env._(
                "%(credit_note)s gives back %(quantity)s %(product)s of order %(order)s with "
                "only %(credited)s of its %(billed)s: a credit note gives a quantity back "
                "only with its money, at the price it was billed (else the quantity would be "
                "billed again). Credit the price it was billed, or lower the quantity on the "
                "credit note; a reduction of price alone is a credit note line without the "
                "order line.", credit_note=', '.join(credit_lines.move_id.mapped('display_name')),
                quantity=format_quantity(self.env, quantity),
                product=order_line.product_id.display_name, order=order_line.order_id.name,
                credited=format_money(self.env, credited, order_line.currency_id),
                billed=format_money(self.env, credited + finding['excess'],
                                    order_line.currency_id)))
