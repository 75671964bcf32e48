"""Proforma invoices from the billing backlog: draft Odoo customer invoices of ready items.

Every source bills the way it always does (a contract's period lines and billed periods, a
shipment line's quantity at its order line's price), so a proforma is the same invoice
Create Contract Invoices, Get Shipment Lines or Combine Shipments would make; only the
grouping is chosen: per customer, per source (contract or order) or per invoice address,
currencies never mixed. Invoices are created complete (the fast path), by chunks in one
transaction.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command

from ..const import MAX_PERIODS_AT_ONCE, PROFORMA_CHUNK_SIZE
from ..tools import invoice_period as periods
from .service_contract_planning import ContractPlan

GROUPINGS = [
    ('customer', "Per Customer"),
    ('source', "Per Contract or Order"),
    ('invoice_address', "Per Invoice Address"),
]


class ServiceBillingItem(models.Model):
    _inherit = 'service.billing.item'  # pylint: disable=consider-merging-classes-inherited

    def _create_proformas(self, grouping='customer', invoice_date=None, batch=None,
                          deduct_down_payments=True):
        """Draft invoices of these items (those ready to invoice): (invoices, [(item,
        reason)] of the items left out). Nothing is billed that is not ready, may not be
        billed by this user, or whose source refuses (a contract that is Open...).

        ``deduct_down_payments``: the down payments of the orders billed are deducted as
        Odoo's Create Invoice deducts them by default (``_proforma_vals``); one that would
        take an invoice below zero is left for a later invoice, and said (an item-less
        reason among those left out)."""
        invoice_date = invoice_date or fields.Date.context_today(self)
        left_out = []
        ready = self.filtered(lambda item: item.billing_status == 'ready')
        for item in self - ready:
            left_out.append((item, self.env._(
                "%(item)s is not ready to invoice (%(status)s).", item=item.name,
                status=dict(item._fields['billing_status']._description_selection(self.env))[
                    item.billing_status])))
        pieces, refused = ready._invoice_pieces()
        left_out += refused
        groups = defaultdict(list)
        for piece in pieces:
            groups[piece['key'][grouping]].append(piece)
        vals_list, contract_batches = [], []
        notes = []
        for group in groups.values():
            vals_list.append(self._proforma_vals(
                group, invoice_date, deduct_down_payments=deduct_down_payments, notes=notes))
            contract_batches.append([piece['plan'] for piece in group if piece.get('plan')])
        Contract = self.env['service.contract']
        Move = self.env['account.move'].with_context(default_move_type='out_invoice')
        batch = {} if batch is None else batch
        invoices = Move
        # By chunks, as the contract batch creates them, in one transaction (the proformas are
        # made together or not at all): the accounting tables grow by thousands of rows, and
        # the planner must know it (as the batch's statistics guard sees after each commit).
        Contract._refresh_stale_statistics()
        for start in range(0, len(vals_list), PROFORMA_CHUNK_SIZE):
            if start:
                # Flush, then free the cache and drop what is left to compute (only the
                # draft records Odoo made to precompute the invoices: never computed, but
                # scanned at every later recompute), as the batch's commit does: a cache of
                # thousands of invoices makes every later chunk slower.
                self.env.flush_all()
                self.env.clear()
                Contract._refresh_stale_statistics_in_transaction()
            chunk = vals_list[start:start + PROFORMA_CHUNK_SIZE]
            created = Move._service_create_invoices(chunk, batch=batch)
            Contract._record_invoiced_periods(created, list(zip(
                chunk, contract_batches[start:start + PROFORMA_CHUNK_SIZE], strict=True)))
            invoices |= created
        return invoices, left_out + [(self.browse(), note) for note in notes]

    def _invoice_pieces(self):
        """What each ready item bills, as invoice lines and grouping keys: ([piece],
        [(item, reason)]). Only what this user may bill (``_filtered_may_bill``)."""
        allowed = self._filtered_may_bill()
        refused = [(item, item._may_not_bill_reason()) for item in self - allowed]
        pieces = []
        by_source = allowed.grouped('source_type')
        contract_items = by_source.get('contract_period', self.browse())
        shipment_items = by_source.get('shipment_line', self.browse())
        pieces_c, refused_c = contract_items._contract_pieces()
        pieces_s, refused_s = shipment_items._shipment_pieces()
        pieces += pieces_c + pieces_s
        refused += refused_c + refused_s
        others = allowed - contract_items - shipment_items
        if others:
            pieces_o, refused_o = others._other_pieces()
            pieces += pieces_o
            refused += refused_o
        return pieces, refused

    def _other_pieces(self):
        """Pieces of the sources bridges add (timesheets, milestones): they override it."""
        return [], [(item, self.env._("%(item)s cannot be invoiced from here.", item=item.name))
                    for item in self]

    def _contract_pieces(self):
        pieces, refused = [], []
        for contract, items in self.grouped('contract_id').items():
            if error := contract._invoicing_error():
                refused += [(item, error) for item in items]
                continue
            plan = ContractPlan(contract)
            # A period credited in full is billed again as it was.
            rebilled = items.filtered(lambda item: item.period_id.credited)
            for item in rebilled:
                full_start, full_end, index = periods.period_containing(
                    item.period_start, contract.date_start, contract.invoice_period)
                period = periods.Period(item.period_start, item.period_end, full_start,
                                        full_end, index)
                plan.periods.append(self._planned(contract, period))
            # The others in order: from the first one not billed, as far as the items are
            # ready without a gap.
            items -= rebilled
            wanted = set(items.mapped('period_start'))
            due = periods.due_periods(
                contract.date_start, contract.date_end, contract.invoice_period,
                contract.prepaid, contract.invoiced_until,
                max(items.mapped('date'), default=contract.date_start))
            for period in due:
                if period.start not in wanted:
                    break
                plan.periods.append(self._planned(contract, period))
            if len(plan.periods) > MAX_PERIODS_AT_ONCE and not contract._may_invoice_all():
                # Years caught up in one proforma are a manager's decision, as in a run.
                error = contract._many_periods_error(sorted(
                    (period for period, _amount, _shares in plan.periods),
                    key=lambda period: period.start))
                refused += [(item, error) for item in items | rebilled]
                continue
            billed = {period.start for period, _amount, _shares in plan.periods}
            plan.periods.sort(key=lambda planned: planned[0].start)
            for item in items.filtered(lambda item, billed=billed:
                                       item.period_start not in billed):
                refused.append((item, self.env._(
                    "%(item)s waits for an earlier period of contract %(contract)s, which is "
                    "not ready to invoice: periods are billed in order.", item=item.name,
                    contract=contract.name)))
            if not plan.periods:
                continue
            pieces.append({
                'key': self._grouping_keys(contract.partner_invoice_id, contract.currency_id,
                                           contract.company_id, contract.journal_id,
                                           contract.fiscal_position_id,
                                           contract.payment_term_id, contract),
                'lines': contract._prepare_invoice_line_vals(plan),
                'plan': plan, 'origin': contract.name, 'user': contract.user_id,
            })
        return pieces, refused

    @api.model
    def _planned(self, contract, period):
        """(period, amount, shares over the contract's lines), as the contract batch plans."""
        amount = contract._period_amount(period)
        return period, amount, contract._split_over_lines(amount, period.start)

    def _shipment_pieces(self):
        pieces = []
        self.env['service.shipment.line']._check_quantities_for_draft(
            [(item.shipment_line_id, item.qty_to_invoice) for item in self])
        default_journals = {}
        for item in self:
            line = item.shipment_line_id
            invoice_line = line.order_line_id._prepare_invoice_line(
                quantity=item.qty_to_invoice, service_shipment_line_id=line.id)
            pieces.append(self._order_piece(line.order_id, [invoice_line], default_journals))
        return pieces, []

    @api.model
    def _order_piece(self, order, lines, default_journals):
        """A piece billing invoice ``lines`` of ``order``, grouped as its invoices are: its
        journal, or Odoo's default sales journal (looked up once per company and currency in
        ``default_journals``)."""
        journal = order.journal_id
        if not journal:
            key = (order.company_id, order.currency_id)
            if key not in default_journals:
                default_journals[key] = self._default_sale_journal(*key)
            journal = default_journals[key]
        return {
            'key': self._grouping_keys(order.partner_invoice_id, order.currency_id,
                                       order.company_id, journal, order.fiscal_position_id,
                                       order.payment_term_id, order),
            'lines': lines, 'origin': order.name, 'user': order.user_id, 'order': order,
        }

    @api.model
    def _grouping_keys(self, invoice_address, currency, company, journal, fiscal_position,
                       payment_terms, source):
        """{grouping: key}; what an invoice shares whatever the grouping (currency, company,
        journal, fiscal position, payment terms) is in every key."""
        shared = (currency.id, company.id, journal.id, fiscal_position.id, payment_terms.id)
        return {
            'customer': (invoice_address.commercial_partner_id.id, *shared),
            'invoice_address': (invoice_address.id, *shared),
            'source': (source._name, source.id, *shared),
        }

    @api.model
    def _default_sale_journal(self, company, currency):
        return self.env['account.move'].new({
            'move_type': 'out_invoice', 'company_id': company.id, 'currency_id': currency.id,
        })._search_default_journal()

    @api.model
    def _proforma_vals(self, group, invoice_date, deduct_down_payments=False, notes=None):
        """The draft invoice of one group of pieces; with ``deduct_down_payments``, less the
        down payments of its orders where they fit (``sale.order``'s
        ``_service_down_payment_deductions``): what does not is said in ``notes``."""
        first = group[0]
        partner_id, currency_id, company_id, journal_id, fiscal_position_id, terms_id = (
            first['key']['invoice_address'][0], *first['key']['invoice_address'][1:])
        if len({piece['key']['invoice_address'][0] for piece in group}) > 1:
            # Several invoice addresses of one customer: the invoice goes to the customer.
            partner_id = first['key']['customer'][0]
        vals = {
            'move_type': 'out_invoice',
            'partner_id': partner_id,
            'company_id': company_id,
            'currency_id': currency_id,
            'journal_id': journal_id,
            'fiscal_position_id': fiscal_position_id,
            'invoice_payment_term_id': terms_id,
            'invoice_date': invoice_date,
            'invoice_user_id': first['user'].id,
            'invoice_origin': ', '.join(sorted({piece['origin'] for piece in group})),
            'invoice_line_ids': [Command.create(line_vals) for piece in group
                                 for line_vals in piece['lines']],
        }
        orders = [piece['order'] for piece in group if piece.get('order')]
        if deduct_down_payments and orders:
            # Read with the orders of the other groups (the pieces' prefetch), not one query
            # per invoice.
            orders = orders[0].browse(dict.fromkeys(order.id for order in orders)) \
                .with_prefetch(orders[0]._prefetch_ids)
            vals['invoice_line_ids'] += orders._service_down_payment_deductions(vals, notes)
        return vals
