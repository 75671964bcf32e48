"""What an invoice will total before it is made: Odoo's tax engine on the values a run, a
proforma or a forecast would hand to ``account.move.create``, totalled as the invoice will
total them (rounded per line or globally, as the company says). The one rule of the
customer portal's estimates (the next invoice of /my/billing, the contract page's forecast)
and of the Contract Billing Forecast.
"""

from odoo import api, models
from odoo.fields import Command


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _service_estimate_totals(self, invoice_vals):
        """(tax totals, [untaxed amount of each line]) of the invoice that ``invoice_vals``
        (``account.move.create`` values: partner, company, currency, ``invoice_line_ids`` as
        ``Command.create``) would make: the tax totals as Odoo's tax engine sums an invoice up
        (``account.tax._get_tax_totals_summary``: ``base_amount_currency`` is its untaxed
        amount, ``total_amount_currency`` its total), each product line's untaxed amount in
        the order of the lines (``None`` for sections and notes); they add up to the untaxed
        amount to the cent.

        Identical lines (a contract's periods of one amount, on a customer's next invoice by
        the thousand) are computed once and counted: Odoo's engine is linear in the lines it
        adds up, and each of them, rounded per line or not, weighs the same in its totals."""
        lines = [(command[2], 1) for command in invoice_vals.get('invoice_line_ids', ())
                 if command[0] == Command.CREATE]
        return self._service_estimate_counted_totals(invoice_vals, lines)

    @api.model
    def _service_estimate_counted_totals(self, invoice_vals, counted_lines):
        """``_service_estimate_totals`` of an invoice whose lines are ``counted_lines``
        [(line values, how many such lines)]: the untaxed amount of each entry is that of
        all its lines."""
        AccountTax = self.env['account.tax']
        company = self.env['res.company'].browse(invoice_vals['company_id'])
        currency = self.env['res.currency'].browse(invoice_vals['currency_id'])
        partner = self.env['res.partner'].browse(invoice_vals.get('partner_id'))
        lines = [vals for vals, _count in counted_lines]
        # Products read together, not one by one as the lines come (a query per product).
        products = self.env['product.product'].browse(
            {vals['product_id'] for vals in lines if vals.get('product_id')})
        distinct = {}   # key: [base line, [index of the entry], lines]
        for index, (vals, count) in enumerate(counted_lines):
            if vals.get('display_type') in ('line_section', 'line_subsection', 'line_note'):
                continue
            taxes = self._service_taxes_of(vals.get('tax_ids'))
            key = (vals.get('product_id'), vals.get('product_uom_id'), tuple(taxes.ids),
                   vals.get('price_unit', 0.0), vals.get('quantity', 1.0),
                   vals.get('discount', 0.0))
            if key not in distinct:
                distinct[key] = [AccountTax._prepare_base_line_for_taxes_computation(
                    None,
                    product_id=products.browse(vals.get('product_id')).with_prefetch(
                        products._prefetch_ids),
                    product_uom_id=self.env['uom.uom'].browse(vals.get('product_uom_id')),
                    tax_ids=taxes, price_unit=vals.get('price_unit', 0.0),
                    quantity=vals.get('quantity', 1.0), discount=vals.get('discount', 0.0),
                    currency_id=currency, partner_id=partner, is_refund=False), [], 0]
            distinct[key][1].append(index)
            distinct[key][2] += count
        base_lines = [base_line for base_line, _indexes, _count in distinct.values()]
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        for base_line, _indexes, count in distinct.values():
            self._service_scale_tax_details(base_line['tax_details'], count)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        summary = AccountTax._get_tax_totals_summary(base_lines, currency, company)
        untaxed = [None] * len(lines)
        for base_line, indexes, count in distinct.values():
            details = base_line['tax_details']
            amount = details['total_excluded_currency'] + details['delta_total_excluded_currency']
            given = 0.0
            for index in indexes:
                untaxed[index] = currency.round(amount * counted_lines[index][1] / count)
                given += untaxed[index]
            # What rounding leaves goes to the last of them: the lines add up to the total.
            untaxed[indexes[-1]] = currency.round(untaxed[indexes[-1]] + amount - given)
        return summary, untaxed

    @api.model
    def _service_taxes_of(self, commands):
        """The taxes of an invoice line's ``tax_ids`` (commands or ids)."""
        Tax = self.env['account.tax']
        for command in commands or ():
            if isinstance(command, int):
                Tax |= Tax.browse(command)
            elif command[0] == Command.SET:
                Tax = Tax.browse(command[2])
            elif command[0] == Command.LINK:
                Tax |= Tax.browse(command[1])
        return Tax

    @api.model
    def _service_scale_tax_details(self, tax_details, count):
        """Weigh one line's raw tax details (``_add_tax_details_in_base_line``) as ``count``
        such lines: every raw amount times ``count``, before Odoo rounds them."""
        if count == 1:
            return
        for key in [key for key in tax_details if key.startswith('raw_')]:
            tax_details[key] *= count
        for tax_data in tax_details['taxes_data']:
            for key in [key for key in tax_data if key.startswith('raw_')]:
                tax_data[key] *= count
