"""The billing backlog as a customer sees it in the portal (/my/billing): what is not invoiced
yet, Waiting or To Invoice, and the estimate of the next invoice: what is To Invoice, with its
taxes and total by Odoo's tax engine, as a sale order or an invoice computes them. Nothing is
written.
"""

from collections import defaultdict

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

    @api.model
    def _portal_next_invoices(self, domain):
        """The estimate of the next invoice of the items of ``domain`` (searched as this
        user) that are To Invoice, one per company and currency: [{'company', 'currency',
        'origins', 'tax_totals'}], ``tax_totals`` as Odoo's tax engine sums a sale order up
        (``account.tax``'s base lines and ``_get_tax_totals_summary``), of the lines of
        ``_portal_base_lines``."""
        AccountTax = self.env['account.tax']
        groups = defaultdict(lambda: ([], set()))
        for company, currency, origins, base_line in self._portal_base_lines(
                Domain(domain) & Domain('billing_status', '=', 'ready')):
            groups[company, currency][0].append(base_line)
            groups[company, currency][1].update(origins)
        estimates = []
        for (company, currency), (base_lines, origins) in groups.items():
            AccountTax._add_tax_details_in_base_lines(base_lines, company)
            AccountTax._round_base_lines_tax_details(base_lines, company)
            estimates.append({
                'company': company,
                'currency': currency,
                'origins': self._portal_names(origins),
                'tax_totals': AccountTax._get_tax_totals_summary(base_lines, currency, company),
            })
        return estimates

    @api.model
    def _portal_base_lines(self, domain):
        """[(company, currency, {origin}, base line)]: what the items of ``domain`` leave to
        invoice, for Odoo's tax engine. Per order line, the quantity its items leave at its
        price, discount and taxes (the sale order's line of that quantity); per product and
        taxes of contract lines, the amounts of the contract periods shared over their
        contracts' lines (as their invoice lines bill them). The periods are summed by the
        database per contract: a customer's thousands of periods make a few lines."""
        AccountTax = self.env['account.tax']
        shares = defaultdict(float)
        contracts_of = defaultdict(set)
        for contract, amount in self._read_group(
                Domain(domain) & Domain('contract_id', '!=', False), ['contract_id'],
                ['amount:sum']):
            contract = contract.sudo()
            for line, share in contract._split_over_lines(amount):
                key = (contract.company_id, contract.currency_id, line.product_id, line.tax_ids)
                shares[key] += share
                contracts_of[key].add(contract.name)
        base_lines = [
            (company, currency, contracts_of[company, currency, product, taxes],
             AccountTax._prepare_base_line_for_taxes_computation(
                 None, product_id=product, tax_ids=taxes, price_unit=amount, quantity=1.0,
                 currency_id=currency))
            for (company, currency, product, taxes), amount in shares.items()]
        quantities = self.search(Domain(domain) & Domain('contract_id', '=', False)).sudo() \
            ._portal_order_line_quantities()
        base_lines += [
            (line.company_id, line.currency_id, {line.order_id.name},
             line._prepare_base_line_for_taxes_computation(quantity=quantity))
            for line, quantity in quantities.items()]
        return base_lines

    def _portal_order_line_quantities(self):
        """{order line: quantity left to invoice} of these items, in its unit: a shipment
        line's of its order line. Bridges add their sources."""
        quantities = defaultdict(float)
        for item in self.filtered('shipment_line_id'):
            quantities[item.shipment_line_id.order_line_id] += item.qty_to_invoice
        return quantities

    @api.model
    def _portal_names(self, names):
        """Names as a customer reads them in a line: the first three, then how many more."""
        names = sorted(names)
        if len(names) <= 3:
            return ', '.join(names)
        return self.env._("%(names)s and %(count)s more", names=', '.join(names[:3]),
                          count=len(names) - 3)
