"""The billing backlog as a customer sees it in the portal (/my/billing): what is not invoiced
yet, Waiting or To Invoice, and the estimate of the next invoice: what is To Invoice, with its
taxes and total by Odoo's tax engine, as a sale order or an invoice computes them. Nothing is
written.
"""

from odoo import api, fields, models
from odoo.fields import Domain

from ..const import OPEN_STATUSES
from ..tools.formatting import format_quantity


class ServiceBillingItem(models.Model):
    _inherit = 'service.billing.item'  # pylint: disable=consider-merging-classes-inherited

    # Why an item waits speaks of the company's own work (who approves, which limit, what a
    # clerk has not marked yet): portal users, who may read their company's items, do not
    # read it; the portal says what a customer may know (``_portal_details``).
    not_ready_reason = fields.Char(groups='base.group_user')

    @api.model
    def _portal_domain(self, partner):
        """The items the customer ``partner`` (any contact of it) sees in the portal: those of
        its commercial partner not invoiced yet, Waiting or To Invoice."""
        return Domain('partner_id', '=', partner.commercial_partner_id.id) \
            & Domain('billing_status', 'in', OPEN_STATUSES)

    def _portal_details(self):
        """{item: {'quantity': what is left to invoice, as the customer reads it with its
        unit ('' for a contract period, billed whole), 'note': what the customer may read of
        why a waiting item waits ('' when nothing)}}. Bridges add theirs (time waiting for
        approval); a clerk's Mark Not Ready and the limits are the company's own business."""
        details = {}
        for item in self:
            quantity = ''
            if item.source_type != 'contract_period' and item.qty_to_invoice:
                quantity = item._portal_quantity_text(item.qty_to_invoice)
            details[item] = {'quantity': quantity, 'note': ''}
        return details

    def _portal_quantity_text(self, quantity):
        """``quantity`` of this item with its unit, as the customer reads it ("3.00 Hours")."""
        self.ensure_one()
        return ' '.join(filter(None, (format_quantity(self.env, quantity),
                                      self.product_uom_id.name)))

    def _portal_next_invoices(self):
        """The estimate of the next invoice of these items (the ready ones), one per company
        and currency: [{'company', 'currency', 'origins', 'tax_totals'}], ``tax_totals`` as
        Odoo's tax engine sums a sale order or an invoice up (``account.tax``'s base lines
        and ``_get_tax_totals_summary``), from the lines the items bill."""
        AccountTax = self.env['account.tax']
        ready = self.filtered(lambda item: item.billing_status == 'ready')
        estimates = []
        for (company, currency), items in ready.grouped(
                lambda item: (item.company_id, item.currency_id)).items():
            base_lines = items._portal_base_lines()
            AccountTax._add_tax_details_in_base_lines(base_lines, company)
            AccountTax._round_base_lines_tax_details(base_lines, company)
            estimates.append({
                'company': company,
                'currency': currency,
                'origins': ', '.join(sorted(set(items.contract_id.mapped('name'))
                                            | set(items.order_id.mapped('name')))),
                'tax_totals': AccountTax._get_tax_totals_summary(base_lines, currency, company),
            })
        return estimates

    def _portal_base_lines(self):
        """Odoo's tax engine's base lines of what these items leave to invoice, as their
        invoice lines will bill it: a shipment line's quantity at its order line's price,
        discount and taxes (as the item's amount is valued); a contract period's amount
        shared over the contract's lines, each with its taxes (as the contract's invoice
        lines). Bridges add their sources."""
        AccountTax = self.env['account.tax']
        base_lines = []
        for item in self:
            if item.shipment_line_id:
                base_lines.append(item.shipment_line_id.order_line_id
                                  ._prepare_base_line_for_taxes_computation(
                                      quantity=item.qty_to_invoice))
            elif contract := item.contract_id:
                base_lines += [AccountTax._prepare_base_line_for_taxes_computation(
                    line, price_unit=share, quantity=1.0, discount=0.0,
                    currency_id=contract.currency_id, partner_id=contract.partner_invoice_id)
                    for line, share in contract._split_over_lines(item.amount)]
        return base_lines
