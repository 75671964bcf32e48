"""The billing integrity check: every money invariant, as queries over the stored figures.

Each rule of the guards (constraints, the posting chain) has its invariant here, read from
what the database holds: whichever path wrote the figures, a broken rule shows. The tests run
it after every test, the demo after its run, a Manager on demand (*Check Billing Integrity*)
and a nightly job, which gives each finding to a Manager as an activity. Bridges add their
sources' invariants (``_invariant_queries``).
"""

from odoo import api, models
from odoo.tools import format_date

from ..tools.formatting import format_money, format_quantity

# Quantities are compared with this much slack (units of measure round to 0.01 at most);
# money with a cent per invoice line summed.
QUANTITY_SLACK = 0.0001
MONEY_SLACK_PER_LINE = 0.01

_SIGN = "CASE move.move_type WHEN 'out_refund' THEN -1 ELSE 1 END"
_CUSTOMER_DOCUMENTS = "move.move_type IN ('out_invoice', 'out_refund')"


class ServiceBillingIntegrity(models.AbstractModel):
    _name = 'service.billing.integrity'
    _description = "Billing Integrity Check"

    @api.model
    def _find_broken_invariants(self, companies=None):
        """Every broken invariant, as [{'rule', 'model', 'res_id', 'company_id',
        'message'}], of ``companies`` (all when not given). Reads the stored figures with SQL,
        after flushing what is pending."""
        self.env.flush_all()
        descriptions = self._invariant_descriptions()
        company_ids = companies.ids if companies else None
        found = []
        for rule, query in self._invariant_queries():
            self.env.cr.execute(query, {'slack': QUANTITY_SLACK,
                                        'money_slack': MONEY_SLACK_PER_LINE})
            for model, res_id, company_id, *figures in self.env.cr.fetchall():
                if company_ids is not None and company_id not in company_ids:
                    continue
                record = self.env[model].sudo().browse(res_id)
                found.append({
                    'rule': rule, 'model': model, 'res_id': res_id, 'company_id': company_id,
                    'message': descriptions[rule](record, *figures),
                })
        return found

    @api.model
    def _invariant_queries(self):
        """[(rule, SQL)]: each query returns the rows that break its rule, as (model, id,
        company id, figures...). Bridges add theirs."""
        return [
            # A shipment line: billed and consumed never beyond shipped; nothing consumed or
            # credited below zero; drafts never hold more than is left (an item on two open
            # invoices).
            ('shipped_exceeded', """
                SELECT 'service.shipment.line', id, company_id, qty_invoiced, qty_consumed,
                       qty_shipped
                  FROM service_shipment_line
                 WHERE qty_invoiced + qty_consumed > qty_shipped + %(slack)s"""),
            ('consumed_negative', """
                SELECT 'service.shipment.line', id, company_id, qty_consumed
                  FROM service_shipment_line WHERE qty_consumed < -%(slack)s"""),
            ('credited_beyond_invoiced', """
                SELECT 'service.shipment.line', id, company_id, qty_invoiced
                  FROM service_shipment_line WHERE qty_invoiced < -%(slack)s"""),
            ('drafts_beyond_shipped', """
                SELECT 'service.shipment.line', id, company_id, qty_in_draft,
                       qty_shipped - qty_consumed - qty_invoiced
                  FROM service_shipment_line
                 WHERE qty_in_draft > %(slack)s
                   AND qty_invoiced + qty_consumed <= qty_shipped + %(slack)s
                   AND qty_invoiced + qty_consumed + qty_in_draft > qty_shipped + %(slack)s"""),
            # An order line: the money its posted invoices billed, less what credit notes gave
            # back, never above the quantity still billed at the highest price it was billed
            # (a quantity given back without its money would be paid twice).
            ('money_beyond_quantity', self._money_beyond_quantity_query()),
            # Every link of a posted invoice line bills its invoice's own customer, company
            # and currency.
            ('shipment_of_another_customer', f"""
                SELECT 'account.move.line', line.id, move.company_id, shipment_line.id
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN service_shipment_line shipment_line
                       ON shipment_line.id = line.service_shipment_line_id
                 WHERE move.state = 'posted' AND {_CUSTOMER_DOCUMENTS}
                   AND (shipment_line.commercial_partner_id
                            IS DISTINCT FROM move.commercial_partner_id
                        OR shipment_line.company_id IS DISTINCT FROM move.company_id
                        OR shipment_line.currency_id IS DISTINCT FROM move.currency_id)"""),
            ('order_of_another_customer', f"""
                SELECT 'account.move.line', line.id, move.company_id, rel.order_line_id
                  FROM sale_order_line_invoice_rel rel
                  JOIN account_move_line line ON line.id = rel.invoice_line_id
                  JOIN account_move move ON move.id = line.move_id
                  JOIN sale_order_line so_line ON so_line.id = rel.order_line_id
                  JOIN sale_order sale_order ON sale_order.id = so_line.order_id
                  JOIN res_partner invoice_address
                       ON invoice_address.id = sale_order.partner_invoice_id
                  JOIN res_partner customer ON customer.id = sale_order.partner_id
                 WHERE move.state = 'posted' AND {_CUSTOMER_DOCUMENTS}
                   AND ((move.commercial_partner_id
                             IS DISTINCT FROM invoice_address.commercial_partner_id
                         AND move.commercial_partner_id
                             IS DISTINCT FROM customer.commercial_partner_id)
                        OR sale_order.company_id IS DISTINCT FROM move.company_id
                        OR sale_order.currency_id IS DISTINCT FROM move.currency_id)"""),
            ('contract_of_another_customer', f"""
                SELECT 'account.move.line', line.id, move.company_id, contract.id
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN service_contract contract ON contract.id = line.service_contract_id
                  JOIN res_partner invoice_address
                       ON invoice_address.id = contract.partner_invoice_id
                 WHERE move.state = 'posted' AND {_CUSTOMER_DOCUMENTS}
                   AND (invoice_address.commercial_partner_id
                            IS DISTINCT FROM move.commercial_partner_id
                        OR contract.company_id IS DISTINCT FROM move.company_id
                        OR contract.currency_id IS DISTINCT FROM move.currency_id)"""),
            # A day of a contract is billed once; a billed period and its invoice's lines
            # name each other; no period credited beyond what was billed of it.
            ('contract_day_billed_twice', """
                SELECT 'service.contract.period', period.id, period.company_id, other.id
                  FROM service_contract_period period
                  JOIN service_contract_period other
                       ON other.contract_id = period.contract_id AND other.id > period.id
                      AND other.date_start <= period.date_end
                      AND other.date_end >= period.date_start
                 WHERE period.credited IS NOT TRUE AND other.credited IS NOT TRUE"""),
            ('period_without_line', """
                SELECT 'service.contract.period', period.id, period.company_id
                  FROM service_contract_period period
                  JOIN account_move move ON move.id = period.invoice_id
                 WHERE move.state = 'posted' AND NOT EXISTS (
                       SELECT 1 FROM account_move_line line
                        WHERE line.move_id = move.id
                          AND line.service_contract_id = period.contract_id
                          AND line.service_period_start = period.date_start)"""),
            ('line_without_period', """
                SELECT 'account.move.line', line.id, move.company_id
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE move.state = 'posted' AND move.move_type = 'out_invoice'
                   AND line.service_contract_id IS NOT NULL AND NOT EXISTS (
                       SELECT 1 FROM service_contract_period period
                        WHERE period.invoice_id = move.id
                          AND period.contract_id = line.service_contract_id
                          AND period.date_start = line.service_period_start)"""),
            ('period_credited_beyond_billed', f"""
                SELECT 'service.contract', line.service_contract_id, MIN(move.company_id),
                       line.service_period_start, SUM({_SIGN} * line.price_total)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE move.state = 'posted' AND {_CUSTOMER_DOCUMENTS}
                   AND line.service_contract_id IS NOT NULL
                 GROUP BY line.service_contract_id, line.service_period_start
                HAVING SUM({_SIGN} * line.price_total) < -%(money_slack)s"""),
        ]

    @api.model
    def _money_beyond_quantity_query(self, order_lines=False):
        """The order lines whose posted money exceeds their net quantity at the highest price
        they were billed (of ``order_lines`` only, when given, as ``%(order_line_ids)s``)."""
        restrict = "AND rel.order_line_id = ANY(%(order_line_ids)s)" if order_lines else ""
        return f"""
                SELECT 'sale.order.line', sol.id, sol.company_id, money, quantity, price
                  FROM (
                    SELECT rel.order_line_id AS id, line.currency_id,
                           SUM({_SIGN} * line.price_subtotal) AS money,
                           SUM({_SIGN} * line.quantity * COALESCE(unit.factor, 1)
                               / COALESCE(order_unit.factor, 1)) AS quantity,
                           MAX(CASE WHEN move.move_type = 'out_invoice' AND line.quantity > 0
                                    THEN line.price_subtotal / (line.quantity
                                         * COALESCE(unit.factor, 1)
                                         / COALESCE(order_unit.factor, 1)) END) AS price,
                           COUNT(*) AS lines
                      FROM sale_order_line_invoice_rel rel
                      JOIN account_move_line line ON line.id = rel.invoice_line_id
                      JOIN account_move move ON move.id = line.move_id
                      JOIN sale_order_line so_line ON so_line.id = rel.order_line_id
                      LEFT JOIN uom_uom unit ON unit.id = line.product_uom_id
                      LEFT JOIN uom_uom order_unit ON order_unit.id = so_line.product_uom_id
                     WHERE move.state = 'posted' AND {_CUSTOMER_DOCUMENTS}
                       AND so_line.is_downpayment IS NOT TRUE AND so_line.display_type IS NULL
                       {restrict}
                     GROUP BY rel.order_line_id, line.currency_id
                  ) billed
                  JOIN sale_order_line sol ON sol.id = billed.id
                 WHERE money > GREATEST(quantity, 0) * COALESCE(price, 0)
                               + %(money_slack)s * lines"""

    @api.model
    def _broken_money_of_order_lines(self, order_lines):
        """[{'res_id': order line id, 'excess': money billed beyond the quantity}] of
        ``order_lines``: the rule a credit note's posting checks (one owner with the
        integrity check)."""
        self.env.flush_all()
        self.env.cr.execute(self._money_beyond_quantity_query(order_lines), {
            'order_line_ids': order_lines.ids, 'money_slack': MONEY_SLACK_PER_LINE})
        return [{'res_id': res_id, 'excess': money - max(quantity, 0.0) * (price or 0.0)}
                for _model, res_id, _company, money, quantity, price
                in self.env.cr.fetchall()]

    @api.model
    def _invariant_descriptions(self):
        """{rule: function(record, *figures) -> message}: what each broken rule means to a
        billing clerk, naming the record (bridges add theirs)."""
        return {
            'shipped_exceeded': lambda line, invoiced, consumed, shipped: self.env._(
                "%(line)s (order %(order)s) is invoiced %(invoiced)s and consumed %(consumed)s "
                "but only %(shipped)s were shipped.", line=line.display_name,
                order=line.order_id.name, invoiced=format_quantity(self.env, invoiced),
                consumed=format_quantity(self.env, consumed),
                shipped=format_quantity(self.env, shipped)),
            'consumed_negative': lambda line, consumed: self.env._(
                "%(line)s (order %(order)s) shows %(consumed)s consumed: a quantity consumed is "
                "never negative.", line=line.display_name, order=line.order_id.name,
                consumed=format_quantity(self.env, consumed)),
            'credited_beyond_invoiced': lambda line, invoiced: self.env._(
                "%(line)s (order %(order)s) was credited %(credited)s more than was invoiced.",
                line=line.display_name, order=line.order_id.name,
                credited=format_quantity(self.env, -invoiced)),
            'drafts_beyond_shipped': lambda line, in_draft, left: self.env._(
                "Draft invoices hold %(in_draft)s of %(line)s (order %(order)s) but only "
                "%(left)s are left to invoice.", in_draft=format_quantity(self.env, in_draft),
                line=line.display_name, order=line.order_id.name,
                left=format_quantity(self.env, left)),
            'money_beyond_quantity': lambda line, money, quantity, price: self.env._(
                "%(product)s of order %(order)s: posted invoices less credit notes bill "
                "%(money)s for a net %(quantity)s at most %(price)s each; a quantity was "
                "given back without its money.", product=line.product_id.display_name,
                order=line.order_id.name, money=format_money(self.env, money, line.currency_id),
                quantity=format_quantity(self.env, quantity),
                price=format_money(self.env, price, line.currency_id)),
            'shipment_of_another_customer': lambda line, _shipment_line: self.env._(
                "A line of %(invoice)s bills a shipment line of another customer, company or "
                "currency.", invoice=line.move_id.display_name),
            'order_of_another_customer': lambda line, _order_line: self.env._(
                "A line of %(invoice)s bills an order line of another customer, company or "
                "currency.", invoice=line.move_id.display_name),
            'contract_of_another_customer': lambda line, _contract: self.env._(
                "A line of %(invoice)s bills contract %(contract)s of another customer, company "
                "or currency.", invoice=line.move_id.display_name,
                contract=line.service_contract_id.display_name),
            'contract_day_billed_twice': lambda period, other: self.env._(
                "%(period)s and %(other)s bill the same days of a contract.",
                period=period.display_name, other=period.browse(other).display_name),
            'period_without_line': lambda period: self.env._(
                "%(period)s is billed by %(invoice)s, which has no line of it.",
                period=period.display_name, invoice=period.invoice_id.display_name),
            'line_without_period': lambda line: self.env._(
                "A line of %(invoice)s bills contract %(contract)s from %(start)s but no billed "
                "period says so.", invoice=line.move_id.display_name,
                contract=line.service_contract_id.display_name,
                start=format_date(self.env, line.service_period_start)),
            'period_credited_beyond_billed': lambda contract, start, net: self.env._(
                "Contract %(contract)s, period starting %(start)s, is credited %(credited)s "
                "more than was billed.", contract=contract.display_name,
                start=format_date(self.env, start),
                credited=format_money(self.env, -net, contract.currency_id)),
        }

    @api.model
    def _cron_check_billing_integrity(self):
        """Nightly job: each finding becomes an activity of a Service Manager on the record
        it is about (once: an open activity of the same note is not repeated)."""
        found = self._find_broken_invariants()
        managers = self.env.ref('service_invoicing.group_service_manager').sudo().all_user_ids
        for finding in found:
            record = self._finding_document(finding)
            if not record or 'activity_ids' not in record._fields:
                continue
            note = finding['message']
            if record.activity_ids.filtered(lambda activity, note=note:
                                            activity.note and note in activity.note):
                continue
            user = managers.filtered(
                lambda manager, company=finding['company_id']: company in manager.company_ids.ids
            )[:1] or self.env.ref('base.user_admin')
            record.activity_schedule(
                'mail.mail_activity_data_todo', summary=self.env._("Billing integrity"),
                note=note, user_id=user.id)
        return found

    @api.model
    def _finding_document(self, finding):
        """The document a person opens to mend a finding: the invoice of an invoice line, the
        order of an order or shipment line, the contract of a period."""
        record = self.env[finding['model']].sudo().browse(finding['res_id']).exists()
        if record._name == 'account.move.line':
            return record.move_id
        if record._name in ('sale.order.line', 'service.shipment.line'):
            return record.order_id
        if record._name == 'service.contract.period':
            return record.contract_id
        return record
