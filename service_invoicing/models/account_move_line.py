import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..const import BILLING_TYPES, INVOICE_LINE_LINK_FIELDS


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    service_contract_id = fields.Many2one(
        'service.contract', index='btree_not_null', copy=False, readonly=True)
    service_period_start = fields.Date(copy=False, readonly=True)
    service_period_end = fields.Date(copy=False, readonly=True)
    service_shipment_line_id = fields.Many2one(
        'service.shipment.line', string="Shipment Line", index='btree_not_null', copy=False,
        readonly=True, help="The posted shipment line this invoice line invoices.")
    service_shipment_id = fields.Many2one(
        related='service_shipment_line_id.shipment_id', string="Shipment")
    service_billing_type = fields.Selection(
        BILLING_TYPES, string="Billing Type", default='chargeable', copy=False,
        help="Chargeable: billed. Complimentary: shown on the invoice at zero. Non-chargeable: "
             "taken off the invoice when it is confirmed and never billed (a shipped quantity "
             "is then consumed).")

    @api.constrains('service_shipment_line_id', 'product_id', 'sale_line_ids')
    def _check_service_shipment_link(self):
        # Contract periods are checked at posting, with the billed periods.
        self._service_check_sources(contracts=False)

    @api.constrains('quantity', 'product_uom_id', 'service_shipment_line_id')
    def _check_service_drafts_within_shipped(self):
        """A draft invoice never holds more of a shipment line than is left to invoice: the
        quantity of an item is on one open invoice at most."""
        self.filtered(lambda line: line.service_shipment_line_id
                      and line.move_id.move_type == 'out_invoice'
                      and line.parent_state == 'draft'
                      ).service_shipment_line_id._check_not_over_held_by_drafts()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._service_check_numbers(vals)
            # Not billed: at zero in the totals from the start, as when chosen afterwards.
            if vals.get('service_billing_type') in ('complimentary', 'non_chargeable'):
                vals['discount'] = 100.0
        lines = super().create(vals_list)
        for billing_type, typed in lines.filtered(
                lambda line: line.service_billing_type != 'chargeable'
        ).grouped('service_billing_type').items():
            typed._service_check_billing_type(billing_type)
        return lines

    @api.onchange('service_billing_type')
    def _onchange_service_billing_type(self):
        # The totals shown while editing leave out what will not be billed.
        for line in self:
            if line.service_billing_type in ('complimentary', 'non_chargeable'):
                line.discount = 100.0
            elif line.discount == 100.0:
                line.discount = line.sale_line_ids[:1].discount

    def write(self, vals):
        self._service_check_numbers(vals)
        if 'service_billing_type' in vals:
            self._service_check_billing_type(vals['service_billing_type'])
            if vals['service_billing_type'] in ('complimentary', 'non_chargeable'):
                vals = {**vals, 'discount': 100.0}
            elif 'discount' not in vals:
                # Back to chargeable: the source's own discount.
                for line in self.filtered(lambda line: line.discount == 100.0):
                    super(AccountMoveLine, line).write(
                        {'discount': line.sale_line_ids[:1].discount})
        self._service_check_links_unchanged(vals)
        return super().write(vals)

    def unlink(self):
        # A contract period billed by nothing else on its draft gives its period back.
        self._service_unbilled_periods()._release()
        # What these lines held goes back to their shipment lines, whoever deletes them
        # (see account.move._service_refresh_figures).
        self.invalidate_recordset(['sale_line_ids'])
        lines = self.sudo()
        shipment_lines = lines.service_shipment_line_id | lines.sale_line_ids.shipment_line_ids
        result = super().unlink()
        self.env['account.move']._service_refresh_figures(shipment_lines.exists())
        return result

    def _copy_data_extend_business_fields(self, values):
        # A credit note keeps what it corrects: the shipment line (it gives the quantity back)
        # and the contract period (it cannot credit more than was billed of it).
        result = super()._copy_data_extend_business_fields(values)
        values.update({
            'service_shipment_line_id': self.service_shipment_line_id.id,
            'service_contract_id': self.service_contract_id.id,
            'service_period_start': self.service_period_start,
            'service_period_end': self.service_period_end,
        })
        return result

    def _service_check_numbers(self, vals):
        """A quantity, price or discount that is not a number (NaN) or is infinite is refused
        before Odoo's rounding crashes on it, naming the line."""
        numbers = [vals[name] for name in ('quantity', 'price_unit', 'discount')
                   if isinstance(vals.get(name), float)]
        if all(map(math.isfinite, numbers)):
            return
        self.env.company._service_check_finite(
            self.env._("Invoice line %(line)s", line=vals.get('name') or ', '.join(
                line.name or line.product_id.display_name or '' for line in self)
                or self.env._("new")), *numbers)

    def _service_unbilled_periods(self):
        """The billed periods of draft contract invoices that no line would bill once these
        lines are gone."""
        lines = self.filtered(lambda line: line.service_contract_id
                              and line.move_id.move_type == 'out_invoice'
                              and line.move_id.state == 'draft')
        periods = self.env['service.contract.period']
        for invoice in lines.move_id:
            kept = {(line.service_contract_id, line.service_period_start)
                    for line in invoice.invoice_line_ids - lines if line.service_contract_id}
            periods |= invoice.sudo().service_period_ids.filtered(
                lambda period, kept=kept: (period.contract_id, period.date_start) not in kept)
        return periods

    def _service_check_sources(self, contracts=True):
        """The one owner of "a line bills its own customer's work": every source a line of a
        customer invoice or credit note names, whatever the link (an order line, a shipment
        line, a contract period; the Projects bridge's timesheets and milestone belong to its
        order line), belongs to the document's commercial partner, company and currency. A
        shipment line is billed only by a customer document, on its own order line and
        product."""
        for line in self.sudo().filtered(lambda line: line.service_shipment_line_id
                                         or line.sale_line_ids):
            document = line.move_id
            customer_document = document.move_type in ('out_invoice', 'out_refund')
            shipment_line = line.service_shipment_line_id
            if shipment_line and (
                    not customer_document
                    or shipment_line.order_line_id not in line.sale_line_ids
                    or shipment_line.product_id != line.product_id
                    or shipment_line.company_id != document.company_id
                    or shipment_line.currency_id != document.currency_id
                    or shipment_line.commercial_partner_id != document.commercial_partner_id):
                raise ValidationError(self.env._(
                    "The line %(line)s of %(invoice)s cannot bill the shipment line of "
                    "%(product)s on shipment %(shipment)s (order %(order)s, %(customer)s): only "
                    "a shipped line of the invoice's own customer, company, currency, order "
                    "line and product can be billed. Use Get Shipment Lines to add it.",
                    line=line.name or line.product_id.display_name,
                    invoice=document.display_name, product=shipment_line.product_id.display_name,
                    shipment=shipment_line.shipment_id.name, order=shipment_line.order_id.name,
                    customer=shipment_line.commercial_partner_id.display_name))
            if not customer_document:
                continue
            for order_line in line.sale_line_ids:
                order = order_line.order_id
                customers = order.partner_invoice_id.commercial_partner_id \
                    | order.partner_id.commercial_partner_id
                if document.commercial_partner_id not in customers \
                        or order.company_id != document.company_id \
                        or order.currency_id != document.currency_id:
                    raise ValidationError(self.env._(
                        "The line %(line)s of %(invoice)s bills order %(order)s of "
                        "%(customer)s (%(company)s, %(currency)s): an invoice line bills only "
                        "the orders, shipments and contracts of the invoice's own customer "
                        "(%(invoice_customer)s), company and currency. Remove the line, or "
                        "invoice the order to its own customer from the order or the billing "
                        "backlog.", line=line.name or line.product_id.display_name,
                        invoice=document.display_name, order=order.name,
                        customer=order.partner_invoice_id.commercial_partner_id.display_name,
                        company=order.company_id.name, currency=order.currency_id.name,
                        invoice_customer=document.commercial_partner_id.display_name))
        if contracts:
            self.filtered('service_contract_id')._service_check_contract_links()

    def _service_check_contract_links(self):
        """A line billing or crediting a contract period does so on a document of the
        contract's own customer, company and currency (part of ``_service_check_sources``)."""
        for line in self:
            contract = line.service_contract_id.sudo()
            document = line.move_id
            if (document.move_type not in ('out_invoice', 'out_refund')
                    or contract.company_id != document.company_id
                    or contract.currency_id != document.currency_id
                    or contract.partner_invoice_id.commercial_partner_id
                    != document.commercial_partner_id):
                raise ValidationError(self.env._(
                    "%(document)s cannot bill or credit contract %(contract)s: only a document "
                    "of the contract's own customer, company and currency can. Create the "
                    "credit note from the contract's invoice (Reverse).",
                    document=document.display_name, contract=contract.display_name))

    @api.model
    def _service_link_fields(self):
        """The fields that say what an invoice line bills: set when the line is created,
        never re-pointed afterwards (bridges add theirs)."""
        return INVOICE_LINE_LINK_FIELDS

    def _service_check_links_unchanged(self, vals):
        """Refuse ``vals`` when they re-point what one of these lines bills."""
        names = [name for name in self._service_link_fields() if name in vals]
        if not names:
            return
        changed = self.filtered(lambda line: any(
            line._fields[name].convert_to_cache(line[name], line)
            != line._fields[name].convert_to_cache(vals[name], line) for name in names))
        if changed:
            raise UserError(self.env._(
                "What an invoice line bills (a contract period, a shipment line, timesheets, "
                "a milestone) is set when the line is created and cannot be changed "
                "(%(invoices)s): delete the line and bill again from the billing backlog, "
                "with Get Shipment Lines, Combine Shipments or Create Contract Invoices.",
                invoices=', '.join(changed.move_id.mapped('display_name'))))

    def _service_bills_backlog_source(self):
        """Whether this line bills a source of the billing backlog (bridges add theirs)."""
        self.ensure_one()
        return bool(self.service_shipment_line_id or self.service_contract_id)

    def _service_check_billing_type(self, billing_type):
        """A billing type is chosen on the draft lines of a source of the backlog."""
        if billing_type == 'chargeable':
            return
        for line in self:
            if line.move_id.move_type != 'out_invoice':
                raise UserError(self.env._(
                    "%(line)s of %(document)s: a billing type is chosen on invoices. A credit "
                    "note gives back what was billed, at the price it was billed: lower its "
                    "quantity instead.", line=line.name or line.product_id.display_name,
                    document=line.move_id.display_name))
            if line.move_id.state != 'draft' or not line._service_bills_backlog_source():
                raise UserError(self.env._(
                    "%(line)s of %(invoice)s is not a draft line of the billing backlog: only "
                    "those can be complimentary or non-chargeable.",
                    line=line.name or line.product_id.display_name,
                    invoice=line.move_id.display_name))
            if billing_type == 'non_chargeable' and line.service_contract_id:
                raise UserError(self.env._(
                    "A contract period cannot be non-chargeable (%(line)s): make it "
                    "complimentary, or delete the line and mark the period not ready.",
                    line=line.name))
