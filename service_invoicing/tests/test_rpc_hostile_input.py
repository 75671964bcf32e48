"""Bad input as a class: every model and wizard of the addon driven as JSON-RPC drives it,
by a user, a manager, a portal user and a manager of another company, with hostile values.
Each refusal is a clear error that leaves the database as it was."""

import re
from contextlib import closing, contextmanager
from datetime import date

import psycopg2

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import call_kw
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import ServiceInvoicingCommon, ServiceOrderCommon

HUGE = 1e12
# Sent with every call: the key of the product's own flows must unlock nothing.
HOSTILE_CONTEXT = {'service_invoicing_trusted': True, 'lang': 'en_US'}
# Rows a refused call must neither add nor remove.
COUNTED_MODELS = ('account.move', 'account.move.line', 'service.contract',
                  'service.contract.line', 'service.contract.period', 'service.shipment',
                  'service.shipment.line')


class HostileRpcMixin:
    """The four users, a JSON-RPC call as one of them, and "refused, nothing changed"."""

    @classmethod
    def setup_hostile_users(cls):
        cls.company_2 = cls.setup_other_company(name="Other Co")['company']
        cls.env.user.company_ids |= cls.company_2
        # One euro is worth two of the company's currency.
        cls.eur = cls.setup_other_currency('EUR', rates=[('2016-01-01', 0.5)])

        def user(login, group, company):
            return new_test_user(cls.env, login=login, groups=group, company_id=company.id,
                                 company_ids=[Command.set(company.ids)])
        main = cls.env.company
        cls.si_user = user('hostile_user', 'service_invoicing.group_service_user', main)
        cls.si_manager = user('hostile_manager', 'service_invoicing.group_service_manager', main)
        cls.portal = user('hostile_portal', 'base.group_portal', main)
        cls.other_manager = user(
            'hostile_other_co', 'service_invoicing.group_service_manager', cls.company_2)

    def rpc(self, user, model, method, *args, context=None, **kwargs):
        """``model.method(*args, **kwargs)`` as JSON-RPC runs it for ``user``: a fresh cache,
        the client's context, a flush, a SQL constraint turned into a ValidationError and
        everything rolled back on error."""
        kwargs['context'] = {**HOSTILE_CONTEXT, **(context or {})}
        self.env.flush_all()
        self.env.invalidate_all()
        try:
            with self.env.cr.savepoint(), mute_logger('odoo.sql_db'):
                result = call_kw(self.env[model].with_user(user), method, list(args), kwargs)
                self.env.flush_all()
        except psycopg2.IntegrityError as error:
            Model = next((self.env[name] for name, model_class in self.env.registry.items()
                          if model_class._table == error.diag.table_name), self.env['base'])
            raise ValidationError(Model._sql_error_to_message(error)) from error
        return result

    def assert_refused(self, error, regex, user, model, method, *args, **kwargs):
        with self.assertRaisesRegex(error, regex):
            self.rpc(user, model, method, *args, **kwargs)

    def assert_each_refused(self, cases, *records):
        """Each case ``(error, regex, user, model, method, *args)`` is refused and changes
        neither ``records`` nor the counted tables."""
        for error, regex, user, model, method, *args in cases:
            with self.subTest(user=user.login, model=model, method=method, args=args), \
                    self.assert_unchanged(*records):
                self.assert_refused(error, regex, user, model, method, *args)

    @contextmanager
    def assert_unchanged(self, *records):
        """The counted tables and the stored values of ``records`` are the same after; then
        all is rolled back, so that a hole does not spoil the next case."""
        before = self.database_state(records)
        with closing(self.env.cr.savepoint()):
            yield
            self.env.invalidate_all()
            self.assertEqual(self.database_state(records), before)

    def rpc_bill_and_credit(self, user, items):
        """Bill ``items`` as ``user`` does through the API (a proforma of them, confirmed),
        then credit the invoices in full with Odoo's Credit Note, posted: what each item
        shows then, {item: (billing status, amount to invoice)} as read through the API."""
        Item, Move = 'service.billing.item', 'account.move'
        wizard = self.rpc(user, 'service.proforma.wizard', 'create',
                          {'item_ids': [Command.set(items.ids)]})
        self.rpc(user, 'service.proforma.wizard', 'action_create', [wizard])
        invoices = items.invoice_ids
        self.assertTrue(invoices)
        self.rpc(user, Move, 'action_service_confirm', invoices.ids)
        read = {row['id']: row['billing_status']
                for row in self.rpc(user, Item, 'read', items.ids, ['billing_status'])}
        self.assertEqual(set(read.values()), {'invoice_posted'})
        reversal = self.rpc(user, 'account.move.reversal', 'create', {
            'journal_id': invoices[0].journal_id.id, 'reason': "Returned"},
            context={'active_model': Move, 'active_ids': invoices.ids})
        self.rpc(user, 'account.move.reversal', 'refund_moves', [reversal])
        credit_notes = self.env[Move].search([('reversed_entry_id', 'in', invoices.ids)])
        self.assertEqual(len(credit_notes), len(invoices))
        self.rpc(user, Move, 'action_post', credit_notes.ids)
        return {item: (row['billing_status'], row['amount_to_invoice'])
                for item in items
                for row in self.rpc(user, Item, 'read', item.ids,
                                    ['billing_status', 'amount_to_invoice'])}

    def database_state(self, records):
        self.env.flush_all()
        counts = {model: self.env[model].sudo().with_context(active_test=False).search_count([])
                  for model in COUNTED_MODELS}
        return counts, [record.sudo().read([
            name for name, field in record._fields.items()
            if field.store and field.column_type and name not in ('write_date', 'write_uid')])
            for record in records]


@tagged('post_install', '-at_install')
class TestContractHostileRpc(HostileRpcMixin, ServiceInvoicingCommon):
    """service.contract, .line, .period and Create Contract Invoices (+ its test report)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        cls.quote = cls.create_contract(sign=False)
        cls.locked, cls.opened, cls.cancelled = (cls.create_contract() for _i in range(3))
        cls.opened.action_open()
        cls.cancelled.action_cancel()
        cls.users_contract = cls.create_contract(user_id=cls.si_user.id)
        cls.eur_pricelist = cls.env['product.pricelist'].create(
            {'name': "EUR prices", 'currency_id': cls.eur.id})
        cls.journal_2 = cls.env['account.journal'].search(
            [('company_id', '=', cls.company_2.id), ('type', '=', 'sale')], limit=1)
        cls.partner_2 = cls.env['res.partner'].create(
            {'name': "Other Co customer", 'company_id': cls.company_2.id})
        cls.contract_2 = cls.env['service.contract'].with_company(cls.company_2).create({
            'partner_id': cls.customer.id, 'company_id': cls.company_2.id,
            'date_start': date(2026, 1, 1),
            'line_ids': [Command.create({'product_id': cls.maintenance.id, 'price_unit': 99.0})],
        })

    def writes(self, error, regex, records, values_list):
        """Cases of a manager writing each of ``values_list`` on ``records``."""
        return [(error, regex, self.si_manager, records._name, 'write', records.ids, vals)
                for vals in values_list]

    def test_derived_and_status_fields_are_never_written(self):
        derived = "follow from its lines and invoiced periods and cannot be written"
        for contract in (self.quote, self.locked, self.opened, self.cancelled):
            self.assert_each_refused(self.writes(UserError, derived, contract, [
                {'calculated_annual_amount': HUGE}, {'invoiced_until': '2099-12-31'},
                {'next_period_start': '2020-01-01'}, {'next_period_end': '2019-12-31'},
                {'next_invoice_date': '2020-01-01'}, {'invoice_error': "Paid in full"},
                {'period_ids': [Command.create({'date_start': '2026-01-01',
                                                'date_end': '2026-12-31', 'amount': -HUGE})]},
                {'period_ids': [Command.clear()]},
            ]), contract)
        for contract, name, value in [
            (self.quote, 'state', 'signed'), (self.quote, 'change_status', 'locked'),
            (self.locked, 'change_status', 'open'), (self.locked, 'state', 'draft'),
            (self.locked, 'state', 'cancelled'), (self.opened, 'change_status', 'locked'),
            (self.cancelled, 'state', 'signed'), (self.cancelled, 'state', 'draft'),
        ]:
            self.assert_each_refused(self.writes(
                UserError, rf"status of contract {contract.name} changes only with its buttons",
                contract, [{name: value}]), contract)
        self.assert_each_refused([
            (UserError, "cannot be written|changes only with its buttons", self.si_manager,
             'service.contract', 'create', {'partner_id': self.customer.id, **vals})
            for vals in ({'invoiced_until': '2099-12-31'}, {'invoice_error': "x"},
                         {'state': 'signed'}, {'change_status': 'locked'})])
        self.assert_each_refused(self.writes(
            UserError, "follow from their product, quantity, price and contract, and cannot be "
            "written", self.quote.line_ids, [
                {'line_amount': HUGE}, {'company_id': self.company_2.id},
                {'currency_id': self.eur.id}, {'technical_price_unit': -HUGE}]),
            self.quote, self.quote.line_ids)

    def test_context_keys_unlock_nothing(self):
        for value in (True, 1, 'service_invoicing_trusted', {'token': True}, [True]):
            with self.subTest(value=value), self.assert_unchanged(self.quote):
                self.assert_refused(
                    UserError, rf"status of contract {self.quote.name} changes only",
                    self.si_manager, 'service.contract', 'write', self.quote.ids,
                    {'state': 'signed', 'change_status': 'locked'},
                    context={'service_invoicing_trusted': value})

    def test_locked_contract_refuses_what_decides_billing(self):
        line, quote_line = self.locked.line_ids, self.quote.line_ids
        locked = rf"Contract {self.locked.name} is locked: set its change status to Open"
        self.assert_each_refused(self.writes(UserError, locked, self.locked, [
            {'partner_id': self.customer_2.id}, {'partner_invoice_id': self.customer_2.id},
            {'company_id': self.company_2.id}, {'currency_id': self.eur.id},
            {'pricelist_id': self.eur_pricelist.id}, {'journal_id': self.journal_2.id},
            {'payment_term_id': self.pay_terms_b.id}, {'fiscal_position_id': self.fiscal_pos_a.id},
            {'date_start': '2027-01-01'}, {'date_end': '2025-12-31'}, {'invoice_period': 'none'},
            {'prepaid': True}, {'invoice_after_service': True}, {'combine_invoices': True},
            {'allow_unbalanced_amounts': True}, {'annual_amount': -1.0}, {'annual_amount': 0.0},
            {'annual_amount': HUGE},
            {'line_ids': [Command.update(line.id, {'price_unit': -HUGE})]},
            {'line_ids': [Command.create({'product_id': self.hotline.id, 'quantity': HUGE})]},
            {'line_ids': [Command.delete(line.id)]}, {'line_ids': [Command.clear()]},
        ]) + self.writes(UserError, locked, line, [
            {'price_unit': -HUGE}, {'price_unit': HUGE}, {'quantity': 0.0}, {'quantity': -1.0},
            {'discount': 100.0}, {'product_id': self.hotline.id}, {'tax_ids': [Command.clear()]},
            {'contract_id': self.quote.id},
        ]) + [
            (UserError, locked, self.si_manager, 'service.contract.line', method, *args)
            for method, *args in [
                ('write', quote_line.ids, {'contract_id': self.locked.id}),
                ('create', {'contract_id': self.locked.id, 'product_id': self.hotline.id,
                            'quantity': HUGE}),
                ('unlink', line.ids)]
        ], self.locked, line, quote_line)

    def test_open_contract_refuses_inconsistent_values(self):
        name, currency = self.opened.name, self.env.company.currency_id
        before_start = "expiration date of a contract cannot be before its starting date"
        company_mix = rf"(?s)company inconsistencies.*{name}"
        self.assert_each_refused(
            self.writes(ValidationError, before_start, self.opened, [
                {'date_end': '2025-12-31'}, {'date_start': '2027-01-01', 'date_end': '2026-06-30'}])
            + self.writes(ValidationError, rf"Contract {name} cannot be both prepaid", self.opened,
                          [{'prepaid': True, 'invoice_after_service': True}])
            + self.writes(ValidationError, rf"annual amount of contract {name} .* must equal",
                          self.opened, [{'annual_amount': HUGE}])
            + self.writes(ValidationError, rf"Contract {name} is in {currency.name} but its "
                          "pricelist", self.opened, [{'pricelist_id': self.eur_pricelist.id,
                                                      'currency_id': currency.id}])
            + self.writes(UserError, company_mix, self.opened, [
                {'partner_id': self.partner_2.id}, {'journal_id': self.journal_2.id}])
            # A manager cannot move a contract into a company they do not work in.
            + self.writes(UserError, name, self.opened, [{'company_id': self.company_2.id}]),
            self.opened)
        # A price typed negative while Open: locking it again is refused.
        self.rpc(self.si_manager, 'service.contract.line', 'write', self.opened.line_ids.ids,
                 {'price_unit': -HUGE})
        self.assert_each_refused([
            (UserError, rf"Contract {name} cannot be signed or locked with a negative annual",
             self.si_manager, 'service.contract', 'action_lock', self.opened.ids)], self.opened)

    def test_huge_amounts_are_priced_or_refused_plainly(self):
        # Huge amounts that follow the lines are never blamed as typed by hand.
        for quantity, price in ((HUGE, 1200.0), (HUGE, HUGE), (1.0, 1e15)):
            with self.subTest(quantity=quantity, price=price), closing(self.env.cr.savepoint()):
                try:
                    contract_id = self.rpc(self.si_manager, 'service.contract', 'create', {
                        'partner_id': self.customer.id, 'line_ids': [Command.create({
                            'product_id': self.maintenance.id, 'quantity': quantity,
                            'price_unit': price})]})
                except UserError as error:
                    self.assertNotRegex(str(error), "must equal the sum of its lines")
                else:
                    contract = self.env['service.contract'].browse(contract_id)
                    self.assertEqual(contract.annual_amount, contract.calculated_annual_amount)

    def test_actions_refuse_contracts_in_the_wrong_state_or_amount(self):
        negative = self.create_contract(lines=[(self.maintenance, 1.0, -HUGE)], sign=False)
        zero = self.create_contract(lines=[(self.maintenance, 0.0, 1200.0)], sign=False)
        no_period = self.create_contract(sign=False, invoice_period='none')
        future = self.create_contract(date_start=date(date.today().year + 1, 1, 1))
        for contract, method, phrase in [
            (self.locked, 'action_sign', "is not a quote and cannot be signed"),
            (self.cancelled, 'action_sign', "is not a quote and cannot be signed"),
            (negative, 'action_sign', "cannot be signed or locked with a negative annual"),
            (zero, 'action_sign', "has an annual amount of 0"),
            (no_period, 'action_sign', "has an annual amount but no invoice period"),
            (self.quote, 'action_create_invoice', "is not signed: sign it before invoicing"),
            (self.cancelled, 'action_create_invoice', "is cancelled: it is not invoiced any more"),
            (self.opened, 'action_create_invoice', "is Open: lock it to create invoices"),
            (future, 'action_create_invoice', "has no period due by"),
        ]:
            self.assert_each_refused([
                (UserError, rf"Contract {contract.name} {phrase}", self.si_manager,
                 'service.contract', method, contract.ids)], contract)

    def test_only_managers_of_its_company_change_or_invoice_a_contract(self):
        for user in (self.si_user, self.portal, self.other_manager):
            for contract, method, *args in [
                (self.quote, 'action_sign'), (self.locked, 'action_open'),
                (self.opened, 'action_lock'), (self.locked, 'action_cancel'),
                (self.cancelled, 'action_draft'), (self.locked, 'action_create_invoice'),
                (self.quote, 'write', {'description': "Mine now"}), (self.quote, 'unlink'),
            ]:
                regex = "Service Contract"
                if user == self.si_user and method == 'action_create_invoice':
                    regex = rf"You are not the salesperson of contract {contract.name}"
                self.assert_each_refused([(AccessError, regex, user, 'service.contract', method,
                                           contract.ids, *args)], contract)
        # The number is drawn before Odoo checks the right to create: the portal user is
        # refused the sequence and the manager the other company, not the contract.
        self.assert_each_refused([
            (AccessError, "Service Contract|'Sequence'|unauthorized or invalid companies", user,
             'service.contract', 'create', {'partner_id': self.customer.id, **vals})
            for user, vals in [(self.si_user, {}), (self.portal, {}),
                               (self.si_manager, {'company_id': self.company_2.id})]])
        # Ids of the other company, from a manager of this one.
        self.assert_each_refused([
            (AccessError, "Service Contract", self.si_manager, model, method, ids, *args)
            for model, ids, method, *args in [
                ('service.contract', self.contract_2.ids, 'action_create_invoice'),
                ('service.contract', self.contract_2.ids, 'action_sign'),
                ('service.contract', self.contract_2.ids, 'read', ['annual_amount']),
                ('service.contract.line', self.quote.line_ids.ids, 'write',
                 {'contract_id': self.contract_2.id})]], self.contract_2, self.quote)
        # Not refusals of the setup: the user invoices the contract they sell.
        self.rpc(self.si_user, 'service.contract', 'action_create_invoice',
                 self.users_contract.ids)
        self.assertTrue(self.users_contract.period_ids)

    def test_portal_reaches_no_model_other_company_sees_only_its_own(self):
        addon_models = [name for name in self.env.registry
                        if name.startswith('service.') and not self.env[name]._abstract]
        self.assertGreaterEqual(len(addon_models), 11)
        # A portal user reads its own customer's contracts (test_portal_contracts.py), posted
        # shipments and backlog items (test_portal_billing.py) and, with the Projects bridge,
        # periods of time to approve (its test_customer_time_approval*.py): none of these;
        # every other model of the app is refused.
        readable = [model for model in (
            'service.contract', 'service.contract.line', 'service.contract.period',
            'service.shipment', 'service.shipment.line', 'service.billing.item',
            'service.time.approval') if model in self.env]
        self.assert_each_refused([(AccessError, re.escape(model), self.portal, model,
                                   'search_read', [], ['id'])
                                  for model in addon_models if model not in readable])
        for model in readable:
            self.assertEqual(self.rpc(self.portal, model, 'search_read', [], ['id']), [], model)
        for model, expected in [('service.contract', self.contract_2.ids),
                                ('service.contract.line', self.contract_2.line_ids.ids),
                                ('service.contract.period', [])]:
            records = self.rpc(self.other_manager, model, 'search_read', [], ['id'])
            self.assertEqual([record['id'] for record in records], expected, model)

    def test_billed_periods_are_written_by_the_runs_only(self):
        invoice = self.invoice(self.locked, date(2026, 1, 31)).invoices
        period = self.locked.period_ids
        calls = [
            ('service.contract.period', 'create', {
                'contract_id': self.locked.id, 'invoice_id': invoice.id,
                'date_start': '2026-02-01', 'date_end': '2026-01-01', 'amount': -HUGE}),
            ('service.contract.period', 'write', period.ids, {'date_end': '2099-12-31'}),
            ('service.contract.period', 'unlink', period.ids),
        ] + [('account.move', 'write', invoice.ids, {'service_period_ids': commands})
             for commands in ([Command.create({'contract_id': self.locked.id,
                                               'date_start': '2026-02-01',
                                               'date_end': '2026-02-28'})],
                              [Command.update(period.id, {'amount': HUGE})],
                              [Command.unlink(period.id)], [Command.delete(period.id)],
                              [Command.clear()])]
        self.assert_each_refused([
            (AccessError, "Invoiced Contract Period|Journal Entry", user, *call)
            for user in (self.si_manager, self.si_user, self.portal, self.other_manager)
            for call in calls], invoice, period)

    def test_invoice_wizard_bills_only_what_the_user_may(self):
        Wizard = 'service.contract.invoice.wizard'
        vals = {'contract_ids': [Command.set(self.locked.ids)],
                'invoice_to_date': '2026-03-31', 'posting_date': '2026-03-31'}
        # Contracts or companies the user cannot read cannot even be chosen.
        self.assert_each_refused([
            (AccessError, "Create Contract Invoices|Service Contract|Companies", user, Wizard,
             'create', values)
            for user, values in [(self.portal, vals), (self.other_manager, vals),
                                 (self.other_manager, {**vals, 'contract_ids': [], 'company_ids':
                                                       [Command.set(self.env.company.ids)]})]])
        # Another salesperson's contract, or every company: the run bills none of them.
        for user, values in [(self.si_user, vals), (self.other_manager, {
                **vals, 'contract_ids': [], 'company_ids': [Command.clear()]})]:
            with self.subTest(user=user.login, vals=values), self.assert_unchanged(self.locked):
                wizard_id = self.rpc(user, Wizard, 'create', values)
                self.rpc(user, Wizard, 'action_run', [wizard_id])
                self.assertRecordValues(self.env[Wizard].browse(wizard_id), [
                    {'state': 'done', 'invoice_ids': [], 'created_count': 0}])
        # The test report of a user shows another salesperson's contract as an error.
        wizard_id = self.rpc(self.si_user, Wizard, 'create', vals)
        report = self.env['service.test.report'].browse(
            self.rpc(self.si_user, Wizard, 'action_test_report', [wizard_id])['res_id'])
        self.assertEqual(report.row_ids.mapped('status'), ['refused'])
        self.assertRegex(report.row_ids.message,
                         rf"not the salesperson of contract {self.locked.name}")


@tagged('post_install', '-at_install')
class TestInvoiceLinkHostileRpc(HostileRpcMixin, ServiceInvoicingCommon):
    """account.move and account.move.line: what a line bills (contract period, shipment)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        cls.contract = cls.create_contract()
        cls.billed = cls.contract._create_contract_invoices(
            date(2026, 1, 31), date(2026, 1, 31)).invoices
        cls.billed.action_post()
        cls.draft = cls.contract._create_contract_invoices(
            date(2026, 2, 28), date(2026, 2, 28)).invoices
        cls.other_contract = cls.create_contract(partner=cls.customer_2)
        cls.manual = cls.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': cls.customer_2.id,
            'invoice_line_ids': [Command.create({'product_id': cls.hotline.id,
                                                 'price_unit': 10.0})]})

    def test_what_a_line_bills_never_changes(self):
        for invoice in (self.billed, self.draft, self.manual):
            line = invoice.invoice_line_ids[0]
            regex = rf"cannot be changed \({re.escape(invoice.display_name)}\)"
            if invoice.state == 'posted':
                # Odoo refuses first to change the lines of a posted entry.
                regex += "|readonly fields on a posted move: invoice_line_ids"
            changes = [{name: value} for name, value in [
                ('service_contract_id', self.other_contract.id), ('service_contract_id', False),
                ('service_period_start', '2026-03-01'), ('service_period_end', '2025-01-01'),
                ('service_shipment_line_id', 999_999)] if value or line[name]]
            self.assert_each_refused([
                (UserError, regex, self.si_manager, 'account.move.line', 'write', line.ids, vals)
                for vals in changes] + [
                (UserError, regex, self.si_manager, 'account.move', 'write', invoice.ids,
                 {'invoice_line_ids': [Command.update(line.id, vals)]}) for vals in changes],
                invoice, line)
        self.assert_each_refused([
            (AccessError, "Journal Item|Journal Entry", user, 'account.move.line', 'write',
             self.draft.invoice_line_ids[:1].ids, {'price_unit': HUGE})
            for user in (self.portal, self.other_manager)], self.draft)

    def test_lines_typed_by_hand_cannot_bill_or_credit_a_contract(self):
        name = self.contract.name
        not_billed = rf"has a line of contract {name} for the period starting %s, but that " \
            "period is not billed by this invoice"
        over_credit = rf"would credit more of contract {name}, period starting %s"
        for move_type, partner, start, price, values, regex in [
            ('out_invoice', self.customer_2, date(2026, 3, 1), 100.0, {},
             rf"cannot bill or credit contract {name}"),
            ('out_invoice', self.customer, date(2026, 1, 1), 100.0, {},
             not_billed % '01/01/2026'),
            ('out_invoice', self.customer, date(2026, 4, 1), HUGE, {}, not_billed % '04/01/2026'),
            ('out_refund', self.customer, date(2026, 1, 1), HUGE, {}, over_credit % '01/01/2026'),
            ('out_refund', self.customer, date(2026, 3, 1), 1.0, {}, over_credit % '03/01/2026'),
            # A credit note of another customer, or in another currency, credits no period.
            ('out_refund', self.customer_2, date(2026, 1, 1), 10.0, {}, name),
            ('out_refund', self.customer, date(2026, 1, 1), 100.0, {'currency_id': self.eur.id},
             name),
        ]:
            with self.subTest(move_type=move_type, partner=partner.name, start=start,
                              price=price, values=values), closing(self.env.cr.savepoint()):
                move_id = self.rpc(self.si_manager, 'account.move', 'create', {
                    'move_type': move_type, 'partner_id': partner.id,
                    'invoice_date': '2026-03-31', **values,
                    'invoice_line_ids': [Command.create({
                        'product_id': self.maintenance.id, 'price_unit': price,
                        'service_contract_id': self.contract.id, 'service_period_start': start,
                        'service_period_end': start.replace(day=28)})]})
                self.assert_each_refused([
                    ((UserError, ValidationError), regex, self.si_manager, 'account.move',
                     'action_post', [move_id])
                ], self.env['account.move'].browse(move_id), self.contract)


@tagged('post_install', '-at_install')
class TestServiceOrderHostileRpc(HostileRpcMixin, ServiceOrderCommon):
    """Post Service Orders, Get Shipment Lines, Combine Shipments (+ their lines and previews),
    and the posted quantities of sale.order.line and of the posted shipments."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        cls.order = cls.create_order([(cls.filter_kit, 10.0), (cls.labour, 2.0)],
                                     user_id=cls.si_user.id)
        cls.kit, cls.hours = cls.order.order_line
        cls.order.order_line._service_post('ship', ship={cls.kit: 4.0, cls.hours: 1.0})
        cls.move = cls.kit.shipment_line_ids
        cls.managers_order = cls.create_order([(cls.filter_kit, 3.0), (cls.labour, 1.0)],
                                              user_id=cls.si_manager.id)
        lines = cls.managers_order.order_line
        lines._service_post('ship', ship={line: line.product_uom_qty for line in lines})
        cls.managers_move = lines.shipment_line_ids
        cls.cancelled = cls.create_order([(cls.labour, 1.0)], user_id=cls.si_user.id)
        cls.cancelled._action_cancel()

        def document(partner=cls.customer, move_type='out_invoice', **values):
            return cls.env['account.move'].create(
                {'move_type': move_type, 'partner_id': partner.id, **values})
        cls.invoice = document()
        cls.invoice_2 = document(cls.customer_2)
        cls.invoice_eur = document(currency_id=cls.eur.id)
        cls.refund = document(move_type='out_refund')
        cls.bill = document(move_type='in_invoice', invoice_date=date(2026, 1, 1))
        cls.posted = document(invoice_line_ids=[Command.create(
            {'product_id': cls.labour.id, 'price_unit': 10.0})])
        cls.posted.action_post()

    def post(self, user, option, quantities):
        """Post Service Orders by RPC; ``quantities``: {line: (ship, invoice, consume)}."""
        wizard_id = self.rpc(user, 'service.order.post.wizard', 'create', {
            'order_ids': [Command.set(self.order.ids)], 'option': option,
            'line_ids': [Command.create({'sale_line_id': line.id, 'qty_to_ship': ship,
                                         'qty_to_invoice': invoice, 'qty_to_consume': consume})
                         for line, (ship, invoice, consume) in quantities.items()]})
        return self.rpc(user, 'service.order.post.wizard', 'action_post', [wizard_id])

    def test_posting_refuses_hostile_quantities_and_users(self):
        order, cancelled = self.order.name, self.cancelled.name
        kit, hours = f"order {order}, line Filter kit", f"order {order}, line Repair labour"
        si, others_line = self.si_user, self.managers_order.order_line[0]
        for error, regex, user, option, quantities in [
            (UserError, rf"cannot be negative \({kit}\)", si, 'ship', {self.kit: (-1.0, 0, 0)}),
            (UserError, rf"cannot be negative \({hours}\)", si, 'invoice',
             {self.hours: (0, -HUGE, 0)}),
            (UserError, rf"cannot ship .* on {kit}: only 6.00 are left", si, 'ship',
             {self.kit: (HUGE, 0, 0)}),
            (UserError, rf"cannot invoice what .* on {hours}, but", si, 'invoice',
             {self.hours: (0, HUGE, 0)}),
            (UserError, rf"You cannot consume .* on {kit}", si, 'consume',
             {self.kit: (0, 0, HUGE)}),
            (UserError, rf"must equal the quantity .*{kit}", si, 'ship_invoice',
             {self.kit: (1.0, 2.0, 0)}),
            (UserError, "There is nothing to post", si, 'ship',
             {self.kit: (0, 0, 0), self.hours: (0, 0, 0)}),
            (UserError, "Ship does not post quantities to invoice", si, 'ship',
             {self.kit: (0, 1.0, 0)}),
            (UserError, rf"Confirm {cancelled} before posting it", si, 'invoice',
             {self.cancelled.order_line: (0, 1.0, 0)}),
            (UserError, "There is nothing to post on these orders", si, 'ship', {}),
            (AccessError, "Sales Order", si, 'ship', {others_line: (1, 0, 0)}),
            (AccessError, "Post Service Orders", self.portal, 'ship', {self.kit: (1.0, 0, 0)}),
            (AccessError, "Sales Order", self.other_manager, 'ship', {self.kit: (1.0, 0, 0)}),
        ]:
            with self.subTest(user=user.login, option=option, regex=regex), \
                    self.assert_unchanged(self.order, *self.order.order_line, self.move), \
                    self.assertRaisesRegex(error, regex):
                self.post(user, option, quantities)

    def test_posted_quantities_are_never_written_by_hand(self):
        # What was shipped, consumed and invoiced comes from the postings and invoices only.
        self.assert_each_refused([
            ((UserError, AccessError), self.order.name, user, record._name, 'write',
             record.ids, {name: value})
            for user in (self.si_user, self.si_manager)
            for record, name, value in [
                (self.hours, 'service_qty_consumed', -5.0),
                (self.kit, 'service_qty_consumed', HUGE),
                (self.hours, 'qty_delivered', HUGE),
                (self.kit, 'service_qty_shipped_not_invoiced', HUGE),
                (self.kit, 'shipment_line_ids', [Command.clear()]),
                (self.move, 'qty_consumed', -5.0), (self.move, 'qty_consumed', HUGE),
                (self.move, 'qty_to_invoice', HUGE), (self.move, 'qty_invoiced', -HUGE),
                (self.move, 'qty_shipped', HUGE), (self.move, 'qty_posted', HUGE)]
        ], self.order, *self.order.order_line, self.move)

    def test_get_shipment_lines_refuses_hostile_lines(self):
        shipment = self.move.shipment_id.name
        between = rf"Filter kit of shipment {shipment}: you can invoice between 0 and 4.00, not"
        elsewhere = rf"Shipment {shipment} does not belong to the customer, company and currency"
        si, shipped = self.si_user, self.move
        for user, invoice, move, quantity, regex in [
            (si, self.invoice, shipped, -1.0, between),
            (si, self.invoice, shipped, HUGE, between),
            (si, self.invoice, shipped, 0.0, "Select at least one shipment line with a quantity"),
            (si, self.invoice_2, shipped, 1.0, elsewhere),
            (si, self.invoice_eur, shipped, 1.0, elsewhere),
            (si, self.posted, shipped, 1.0, rf"{re.escape(self.posted.name)} is not one"),
            (si, self.bill, shipped, 1.0, re.escape(self.bill.display_name)),
            # A wizard made by RPC cannot put a shipment onto a credit note.
            (si, self.refund, shipped, 1.0, re.escape(self.refund.display_name)),
            (si, self.invoice, self.managers_move[:1], 1.0,
             rf"Shipment {self.managers_move[:1].shipment_id.name}|Sales Order"),
            (self.portal, self.invoice, shipped, 1.0, "Get Shipment Lines"),
            (self.other_manager, self.invoice, shipped, 1.0,
             "Journal Entry|Posted Service Shipment|Sales"),
        ]:
            with self.subTest(user=user.login, invoice=invoice.display_name, move=move.id,
                              quantity=quantity), self.assert_unchanged(invoice, move), \
                    self.assertRaisesRegex(UserError, regex):
                wizard_id = self.rpc(user, 'service.shipment.lines.wizard', 'create', {
                    'invoice_id': invoice.id, 'line_ids': [Command.create(
                        {'shipment_line_id': move.id, 'qty_to_invoice': quantity,
                         'selected': True})]})
                self.rpc(user, 'service.shipment.lines.wizard', 'action_confirm', [wizard_id])

    def test_combine_shipments_refuses_what_is_not_to_invoice(self):
        Wizard = 'service.shipment.combine.wizard'
        self.assert_each_refused([
            (AccessError, "Combine Shipments", self.portal, Wizard, 'create', {}),
            (AccessError, "Companies", self.other_manager, Wizard, 'create',
             {'company_ids': [Command.set(self.env.company.ids)]})])
        for user, vals, regex in [
            (self.si_user, {'date_to': '1990-01-01'},
             r"^Nothing shipped up to 01/01/1990 is left to invoice\.$"),
            # A manager of another company who empties Companies learns nothing of this one.
            (self.other_manager, {'company_ids': [Command.clear()]},
             r"^Nothing shipped up to \S+ is left to invoice\.$"),
        ]:
            with self.subTest(user=user.login, vals=vals), \
                    self.assert_unchanged(self.move, *self.managers_move):
                wizard_id = self.rpc(user, Wizard, 'create', vals)
                report = self.env['service.test.report'].browse(
                    self.rpc(user, Wizard, 'action_test_report', [wizard_id])['res_id'])
                self.assertFalse(report.row_ids or report.invoice_ids)
                self.assert_refused(UserError, regex, user, Wizard, 'action_create', [wizard_id])
