"""The billing backlog as a customer sees it in the portal (/my/billing): what is not invoiced
yet, Waiting or To Invoice, and the estimate of the next invoices: those Create Proforma
Invoices would make of what is To Invoice, totalled by Odoo's tax engine as the invoices will
be. Nothing is written.
"""

from collections import Counter, defaultdict

from odoo import api, fields, models
from odoo.fields import Command, Domain

from ..const import OPEN_STATUSES
from ..tools.formatting import format_quantity
from .service_contract_planning import split_amount


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
        """The estimate of the next invoices of the items of ``domain`` (searched as this
        user) that are To Invoice: [{'company', 'currency', 'origins', 'tax_totals'}], one per
        invoice Create Proforma Invoices would make of them today (``_next_invoices``)."""
        ready = Domain(domain) & Domain('billing_status', '=', 'ready')
        # The user's own search decides what they see; the estimate reads the sources.
        ready = Domain('id', 'in', self._search(ready))
        return [{
            'company': self.env['res.company'].sudo().browse(vals['company_id']),
            'currency': self.env['res.currency'].browse(vals['currency_id']),
            'origins': self._portal_names(origins),
            'tax_totals': tax_totals,
        } for vals, origins, tax_totals in self.sudo()._next_invoices(ready)]

    @api.model
    def _next_invoices(self, domain, invoice_date=None):
        """[(invoice values, {origin}, tax totals)] of the invoices Create Proforma Invoices
        would make today of the items of ``domain`` (per customer, its default), without
        making them, totalled by Odoo's tax engine as the invoices will be
        (``account.move._service_estimate_counted_totals``).

        The proformas' grouping (``_grouping_keys``) and lines: time and milestones as
        ``_invoice_pieces`` bills them, a shipment line's item as its order line's invoice
        line (the orders' down payments deducted, ``_proforma_vals``); a contract period as
        its invoice lines (``_invoice_line_price_vals``: its amount shared
        over the contract's lines). The periods are counted by the database per contract and
        amount: a customer's thousands of periods of one amount make a few lines."""
        invoice_date = invoice_date or fields.Date.context_today(self)
        domain = Domain(domain)
        groups = defaultdict(lambda: {'pieces': [], 'counted': [], 'origins': set(),
                                      'first': None})
        Contract = self.env['service.contract']
        # The periods counted per contract and amount by the database: a few amounts, each
        # with the contracts of its periods (not a row and a record per contract).
        counts = Counter()
        for amount, contract_ids in self._read_group(
                domain & Domain('contract_id', '!=', False), ['amount'],
                ['contract_id:array_agg']):
            counts.update((contract_id, amount) for contract_id in contract_ids)
        contract_ids = sorted({contract_id for contract_id, _amount in counts})
        # The contracts and their lines as values, by the database: read record by record,
        # their many2one and many2many fields cost more than the estimate itself.
        heads = ['id', 'partner_invoice_id', 'currency_id', 'company_id', 'journal_id',
                 'fiscal_position_id', 'payment_term_id', 'calculated_annual_amount', 'name']
        [columns] = Contract._read_group(Domain('id', 'in', contract_ids), [],
                                         [f'{name}:array_agg' for name in heads])
        contracts = {values[0]: dict(zip(heads, values, strict=True))
                     for values in zip(*columns, strict=True)}
        ContractLine = self.env['service.contract.line']
        line_domain = Domain('contract_id', 'in', contract_ids)
        taxes_of = defaultdict(lambda: self.env['account.tax'])
        for taxes, line_ids in ContractLine._read_group(line_domain, ['tax_ids'],
                                                        ['id:array_agg']):
            for line_id in line_ids:
                taxes_of[line_id] |= taxes
        names = ['contract_id', 'sequence', 'id', 'product_id', 'product_uom_id', 'line_amount']
        [columns] = ContractLine._read_group(
            line_domain, [], [f'{name}:array_agg' for name in names])
        lines_of = defaultdict(list)
        for contract_id, _sequence, line_id, product_id, uom_id, line_amount in sorted(
                zip(*columns, strict=True)):
            lines_of[contract_id].append((product_id, uom_id,
                                          tuple(taxes_of[line_id].sorted().ids), line_amount))
        env = self.env
        # The same shares for the same lines and amount: computed once.
        shares_of, keys_of = {}, {}
        for (contract_id, amount), count in sorted(counts.items()):
            head = contracts[contract_id]
            currency = env['res.currency'].browse(head['currency_id'])
            grouped_by = tuple(head[name] for name in heads[1:7])
            if grouped_by not in keys_of:
                # The same for a customer's contracts of one invoice address and terms.
                keys_of[grouped_by] = self._grouping_keys(
                    env['res.partner'].browse(head['partner_invoice_id'] or ()), currency,
                    env['res.company'].browse(head['company_id'] or ()),
                    env['account.journal'].browse(head['journal_id'] or ()),
                    env['account.fiscal.position'].browse(head['fiscal_position_id'] or ()),
                    env['account.payment.term'].browse(head['payment_term_id'] or ()),
                    Contract.browse(contract_id))['customer']
            key = keys_of[grouped_by]
            group = groups[key]
            contract_lines = tuple(lines_of[contract_id])
            split = (contract_lines, head['calculated_annual_amount'], amount, currency)
            if split not in shares_of:
                shares = split_amount(amount, [line[3] for line in contract_lines],
                                      head['calculated_annual_amount'], currency)
                shares_of[split] = [
                    Contract._invoice_line_price_vals(product_id, uom_id, list(tax_ids), share)
                    for (product_id, uom_id, tax_ids, _amount), share in zip(
                        contract_lines, shares, strict=True)]
            group['counted'] += [(vals, count) for vals in shares_of[split]]
            group['origins'].add(head['name'])
            group['first'] = group['first'] or (currency, head['company_id'])
        others = self.search(domain & Domain('contract_id', '=', False))
        shipped = others.filtered('shipment_line_id')
        pieces, _refused = (others - shipped)._invoice_pieces()
        # A shipment line's item is one invoice line of its order line's quantity
        # (``_shipment_pieces``): taxed on the order line's price, discount and taxes.
        default_journals = {}
        for order, items in shipped.grouped(lambda item: item.shipment_line_id.order_id).items():
            lines = [self._order_line_price_vals(item.shipment_line_id.order_line_id,
                                                 item.qty_to_invoice) for item in items]
            pieces.append(self._order_piece(order, lines, default_journals))
        for piece in pieces:
            group = groups[piece['key']['customer']]
            group['pieces'].append(piece)
            group['origins'].add(piece['origin'])
        Move = self.env['account.move']
        estimates = []
        for key, group in groups.items():
            if group['pieces']:
                vals = self._proforma_vals(group['pieces'], invoice_date,
                                           deduct_down_payments=True, notes=[])
            else:
                currency, company_id = group['first']
                vals = {'partner_id': key[0], 'currency_id': currency.id,
                        'company_id': company_id, 'invoice_line_ids': []}
            counted = group['counted'] + [(command[2], 1) for command in
                                          vals['invoice_line_ids']]
            tax_totals, _untaxed = Move._service_estimate_counted_totals(vals, counted)
            estimates.append((vals, group['origins'], tax_totals))
        return estimates

    @api.model
    def _order_line_price_vals(self, order_line, quantity):
        """What the invoice line of ``quantity`` of ``order_line`` is taxed on, as Odoo's
        ``sale.order.line._prepare_invoice_line`` gives it (without the analytic look-ups it
        makes line by line)."""
        return {
            'product_id': order_line.product_id.id,
            'quantity': quantity,
            'product_uom_id': order_line.product_uom_id.id,
            'price_unit': order_line.price_unit,
            'discount': order_line.discount,
            'tax_ids': [Command.set(order_line.tax_ids.ids)],
        }

    @api.model
    def _portal_names(self, names):
        """Names as a customer reads them in a line: the first three, then how many more."""
        names = sorted(names)
        if len(names) <= 3:
            return ', '.join(names)
        return self.env._("%(names)s and %(count)s more", names=', '.join(names[:3]),
                          count=len(names) - 3)
