"""Bounds of what a contract bills, driven through JSON-RPC as hostile users would: dates a
company can bill, more periods at once than a run bills unconfirmed, numbers that are not
numbers."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import ServiceInvoicingCommon
from .test_rpc_hostile_input import HostileRpcMixin

WIZARD = 'service.contract.invoice.wizard'
OUTSIDE = "is outside the dates .* can bill, 01/01/1990 to 03/15/2036. Correct the date."
NOT_A_NUMBER = "is not a number that can be billed. Type a number."


@tagged('post_install', '-at_install')
@freeze_time('2026-03-15')
class TestContractBounds(HostileRpcMixin, ServiceInvoicingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        with freeze_time('2026-03-15'):
            cls.quote = cls.create_contract(sign=False)
            cls.regular = cls.create_contract()
            cls.opened = cls.create_contract()
            cls.opened.action_open()
            # Signed in 2024 for a start in January 2024: 26 months due by the end of
            # February 2026, one of them a salesperson's own.
            cls.late = cls.create_contract(date_start=date(2024, 1, 1))
            cls.users_late = cls.create_contract(
                date_start=date(2024, 1, 1), user_id=cls.si_user.id, partner=cls.customer_2)

    def wizard(self, user, **values):
        return self.rpc(user, WIZARD, 'create', {
            'invoice_to_date': '2026-02-28', 'posting_date': '2026-02-28', **values})

    # --- Dates ------------------------------------------------------------------------------

    def test_dates_outside_what_the_company_bills_are_refused(self):
        def create(**vals):
            return (ValidationError, OUTSIDE, self.si_manager, 'service.contract', 'create', {
                'partner_id': self.customer.id, 'line_ids': [Command.create(
                    {'product_id': self.maintenance.id, 'price_unit': 1200.0})], **vals})
        self.assert_each_refused([
            create(date_start='1899-12-01'),
            create(date_start='1989-12-31'),
            create(date_start='2026-01-01', date_end='2999-12-31'),
            create(date_start='2036-03-16'),
        ])
        for contract in (self.quote, self.opened):
            name = contract.name
            self.assert_each_refused([
                (ValidationError, rf"Contract {name}, (Starting|Expiration) Date: \S+ {OUTSIDE}",
                 self.si_manager, 'service.contract', 'write', contract.ids, vals)
                for vals in ({'date_start': '1899-12-01'}, {'date_end': '2999-12-31'},
                             {'date_start': '0001-01-01', 'date_end': '0001-12-31'},
                             {'date_end': '9999-12-31'})], contract)
        # The bounds themselves are dates a company bills.
        contract_id = self.rpc(self.si_manager, 'service.contract', 'create', {
            'partner_id': self.customer.id, 'date_start': '1990-01-01',
            'date_end': '2036-03-15'})
        self.assertRecordValues(self.env['service.contract'].browse(contract_id), [
            {'date_start': date(1990, 1, 1), 'date_end': date(2036, 3, 15)}])

    def test_a_run_bills_dates_its_company_bills(self):
        self.assert_each_refused([
            (ValidationError, rf"Create Contract Invoices, {field}: \S+ {OUTSIDE}",
             self.si_manager, WIZARD, 'create', {
                 'contract_ids': [Command.set(self.opened.ids)], 'posting_date': '2026-02-28',
                 'invoice_to_date': '2026-02-28', **vals})
            for field, vals in (("Posting Date", {'posting_date': '1899-12-31'}),
                                ("Invoice To Date", {'invoice_to_date': '2999-12-31'}))])

    # --- Many periods at once ---------------------------------------------------------------

    def test_many_periods_at_once_wait_for_a_manager(self):
        late, name = self.late, self.late.name
        too_many = (rf"Contract {name} would bill 26 periods at once, from 01/01/2024 to "
                    r"02/28/2026: more than 24\. A Service Invoicing manager confirms it with "
                    r"Bill Many Periods at Once in Create Contract Invoices; or correct its "
                    r"starting date\.")
        # Create Contract Invoices, as a manager who does not confirm: nothing is billed.
        wizard_id = self.wizard(self.si_manager, contract_ids=[Command.set(late.ids)])
        self.rpc(self.si_manager, WIZARD, 'action_run', [wizard_id])
        wizard = self.env[WIZARD].browse(wizard_id)
        self.assertRecordValues(wizard, [
            {'state': 'done', 'created_count': 0, 'failed_count': 1, 'amount_total': 0.0}])
        self.assertRegex(wizard.result_message, too_many)
        self.assertRegex(late.invoice_error, too_many)
        self.assertFalse(late.period_ids)
        # The contract's own button says it too.
        self.assert_each_refused([(UserError, too_many, self.si_manager, 'service.contract',
                                   'action_create_invoice', late.ids)], late)
        # The test report shows it as an error, before anything is made.
        wizard_id = self.wizard(self.si_manager, contract_ids=[Command.set(late.ids)])
        report = self.env['service.test.report'].browse(
            self.rpc(self.si_manager, WIZARD, 'action_test_report', [wizard_id])['res_id'])
        self.assertEqual(report.row_ids.mapped('status'), ['refused'])
        self.assertRegex(report.row_ids.message, too_many)
        self.assertEqual(report.error_count, 1)
        self.assertRegex(report.problem_ids.filtered(lambda p: p.level == 'error').message,
                         too_many)
        # A manager who confirms bills them, on one invoice.
        wizard_id = self.wizard(self.si_manager, contract_ids=[Command.set(late.ids)],
                                bill_many_periods=True)
        self.rpc(self.si_manager, WIZARD, 'action_run', [wizard_id])
        self.assertRecordValues(self.env[WIZARD].browse(wizard_id), [
            {'created_count': 1, 'failed_count': 0}])
        self.assertEqual(len(late.period_ids), 26)
        self.assertEqual(late.period_ids.invoice_id.amount_untaxed, 2600.0)
        self.assertFalse(late.invoice_error)

    def test_a_user_cannot_confirm_many_periods(self):
        own = self.users_late
        refused = "Only a Service Invoicing manager can confirm billing more than 24 periods"
        cases = []
        for method in ('action_run', 'action_test_report'):
            wizard_id = self.wizard(self.si_user, contract_ids=[Command.set(own.ids)],
                                    bill_many_periods=True)
            cases.append((AccessError, refused, self.si_user, WIZARD, method, [wizard_id]))
        self.assert_each_refused(cases, own)
        # Unconfirmed, the user's run says why and bills nothing.
        wizard_id = self.wizard(self.si_user, contract_ids=[Command.set(own.ids)])
        self.rpc(self.si_user, WIZARD, 'action_run', [wizard_id])
        self.assertRegex(self.env[WIZARD].browse(wizard_id).result_message,
                         rf"Contract {own.name} would bill 26 periods at once")
        self.assertFalse(own.period_ids)

    def test_the_daily_job_leaves_many_periods_to_a_manager(self):
        with freeze_time('2026-02-28'):
            result = self.env['service.contract']._run_contract_invoicing(
                self.env['service.contract']._invoicing_domain(date(2026, 2, 28)),
                date(2026, 2, 28), date(2026, 2, 28))
        self.assertIn(self.late, [contract for contract, _error in result.failed])
        self.assertFalse(self.late.period_ids)
        self.assertIn("would bill 26 periods at once", self.late.invoice_error)
        self.assertTrue(self.late.activity_ids)
        # A contract due for two months is billed as before.
        self.assertEqual(len(self.regular.period_ids), 2)

    def test_a_proforma_of_many_periods_waits_for_a_manager(self):
        """The backlog holds every period due: a User's proforma does not catch up years of a
        contract either; a manager's does (a draft, reviewed before Confirm)."""
        own = self.users_late
        items = self.env['service.billing.item'].search([('contract_id', '=', own.id)])
        self.assertEqual(len(items), 26)
        wizard_id = self.rpc(self.si_user, 'service.proforma.wizard', 'create', {
            'cutoff_date': '2026-03-15', 'item_ids': [Command.set(items.ids)]})
        self.rpc(self.si_user, 'service.proforma.wizard', 'action_create', [wizard_id])
        wizard = self.env['service.proforma.wizard'].browse(wizard_id)
        self.assertFalse(wizard.invoice_ids)
        self.assertRegex(wizard.result_message, rf"Contract {own.name} would bill 26 periods "
                         r"at once, from 01/01/2024 to 02/28/2026")
        self.assertFalse(own.period_ids)
        wizard_id = self.rpc(self.si_manager, 'service.proforma.wizard', 'create', {
            'cutoff_date': '2026-03-15', 'item_ids': [Command.set(items.ids)]})
        self.rpc(self.si_manager, 'service.proforma.wizard', 'action_create', [wizard_id])
        self.assertEqual(len(own.period_ids), 26)
        self.assertEqual(own.period_ids.invoice_id.amount_untaxed, 2600.0)

    # --- Numbers ----------------------------------------------------------------------------

    def test_line_numbers_that_are_not_numbers_are_refused(self):
        name = self.opened.name
        line = self.opened.line_ids
        regex = rf"Line Maintenance visit of contract {name}: \S+ {NOT_A_NUMBER}"
        nan, inf = float('nan'), float('inf')
        self.assert_each_refused([
            (ValidationError, regex, self.si_manager, 'service.contract.line', 'write',
             line.ids, vals)
            for vals in ({'price_unit': nan}, {'price_unit': -inf}, {'quantity': nan},
                         {'quantity': inf}, {'discount': nan}, {'discount': inf})
        ] + [
            (ValidationError, NOT_A_NUMBER, self.si_manager, 'service.contract.line', 'create',
             {'contract_id': self.opened.id, 'product_id': self.maintenance.id, **vals})
            for vals in ({'price_unit': nan}, {'quantity': inf}, {'discount': nan})
        ], self.opened, line)
