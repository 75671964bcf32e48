from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ServiceInvoicingCommon


@tagged('post_install', '-at_install')
class TestServiceContract(ServiceInvoicingCommon):

    def test_amounts_follow_the_lines_unless_unbalanced(self):
        contract = self.create_contract(
            lines=[(self.maintenance, 2.0, 1200.0), (self.hotline, 1.0, 600.0)], sign=False,
            invoice_period='quarter')
        contract.line_ids[1].discount = 50.0
        self.assertRecordValues(contract, [{
            'calculated_annual_amount': 2700.0, 'annual_amount': 2700.0,
            'amount_per_period': 675.0,
        }])
        contract.write({'allow_unbalanced_amounts': True, 'annual_amount': 3000.0})
        contract.line_ids[0].quantity = 3.0
        self.assertRecordValues(contract, [{
            'calculated_annual_amount': 3900.0, 'annual_amount': 3000.0,
            'amount_per_period': 750.0,
        }])

    def test_contract_number_and_defaults_from_the_customer(self):
        contract = self.create_contract(sign=False)
        self.assertTrue(contract.name.startswith('SC'))
        self.assertEqual(contract.partner_invoice_id, self.customer)
        self.assertEqual(contract.journal_id, self.sale_journal)
        self.assertEqual(contract.currency_id, self.env.company.currency_id)
        self.assertEqual(contract.line_ids.tax_ids, self.tax_15)

    def test_next_invoice_date_prepaid_and_in_arrears(self):
        prepaid = self.create_contract(prepaid=True, invoice_period='quarter')
        arrears = self.create_contract(invoice_period='quarter')
        self.assertRecordValues(prepaid | arrears, [
            {'next_invoice_date': date(2026, 1, 1), 'next_period_start': date(2026, 1, 1),
             'next_period_end': date(2026, 3, 31)},
            {'next_invoice_date': date(2026, 3, 31), 'next_period_start': date(2026, 1, 1),
             'next_period_end': date(2026, 3, 31)},
        ])
        self.invoice(prepaid | arrears, date(2026, 3, 31))
        self.assertRecordValues(prepaid | arrears, [
            {'next_invoice_date': date(2026, 4, 1), 'invoiced_until': date(2026, 3, 31)},
            {'next_invoice_date': date(2026, 6, 30), 'invoiced_until': date(2026, 3, 31)},
        ])

    def test_mid_month_start_and_expiry_on_the_record(self):
        contract = self.create_contract(
            date_start=date(2026, 1, 15), date_end=date(2026, 2, 10), prepaid=True)
        self.assertRecordValues(contract, [{
            'next_invoice_date': date(2026, 1, 15), 'next_period_end': date(2026, 1, 31)}])
        self.invoice(contract, date(2026, 2, 1))
        self.assertRecordValues(contract, [{'next_invoice_date': False,
                                            'invoiced_until': date(2026, 2, 10)}])
        # 17/31 of January and 10/28 of February of a 100.00 month
        self.assertEqual(contract.period_ids.mapped('amount'), [54.84, 35.71])

    def test_signing_rules(self):
        negative = self.create_contract(lines=[(self.maintenance, 1.0, -10.0)], sign=False)
        with self.assertRaisesRegex(UserError, 'negative annual amount'):
            negative.action_sign()
        zero = self.create_contract(lines=[(self.maintenance, 1.0, 0.0)], sign=False)
        with self.assertRaisesRegex(UserError, 'annual amount of 0'):
            zero.action_sign()
        zero.invoice_period = 'none'
        zero.action_sign()
        self.assertRecordValues(zero, [{'state': 'signed', 'change_status': 'locked',
                                        'next_invoice_date': False}])
        with self.assertRaises(ValidationError):
            self.create_contract(prepaid=True, invoice_after_service=True, sign=False)

    def test_locked_contract_needs_open_to_change(self):
        contract = self.create_contract()
        with self.assertRaisesRegex(UserError, 'is locked'):
            contract.date_start = date(2026, 2, 1)
        with self.assertRaisesRegex(UserError, 'is locked'):
            contract.line_ids.price_unit = 2400.0
        with self.assertRaisesRegex(UserError, 'is locked'):
            contract.line_ids = [Command.create({'product_id': self.hotline.id})]
        contract.description = "Descriptions stay editable"
        contract.action_open()
        contract.line_ids.price_unit = 2400.0
        contract.action_lock()
        self.assertRecordValues(contract, [{'annual_amount': 2400.0, 'change_status': 'locked'}])

    def test_contract_form_as_a_user_types_it(self):
        with Form(self.env['service.contract']) as form:
            form.partner_id = self.customer
            form.date_start = date(2026, 3, 1)
            form.invoice_period = 'half_year'
            form.prepaid = True
            with form.line_ids.new() as line:
                line.product_id = self.maintenance
                line.quantity = 2
            self.assertEqual(form.calculated_annual_amount, 2400.0)
            self.assertEqual(form.amount_per_period, 1200.0)
        contract = form.record
        contract.action_sign()
        self.assertRecordValues(contract, [{'next_invoice_date': date(2026, 3, 1),
                                            'next_period_end': date(2026, 8, 31)}])

    def test_create_service_invoice_offered_to_who_may_and_expiry_shown(self):
        """A User is offered Create Service Invoice on their own contracts only; a contract
        past its expiration date reads Expired, not only Signed / Locked."""
        user = new_test_user(
            self.env, login='si_offer_user', groups='service_invoicing.group_service_user')
        manager = new_test_user(
            self.env, login='si_offer_manager', groups='service_invoicing.group_service_manager')
        own = self.create_contract(user_id=user.id)
        other = self.create_contract(user_id=manager.id)
        self.assertEqual([(contract.with_user(user).may_invoice,
                           contract.with_user(manager).may_invoice) for contract in own | other],
                         [(True, True), (False, True)])
        form = self.env['service.contract'].with_user(user).get_views(
            [(False, 'form')])['views']['form']['arch']
        self.assertIn("not may_invoice", form)
        expiring = self.create_contract(date_start=date(2026, 1, 1), date_end=date(2026, 6, 30))
        with freeze_time('2026-06-30'):
            self.assertFalse(expiring.with_context(tz='UTC').is_expired)
        expiring.invalidate_recordset(['is_expired'])
        with freeze_time('2026-07-01'):
            self.assertTrue(expiring.with_context(tz='UTC').is_expired)
            self.assertRecordValues(expiring, [{'state': 'signed', 'change_status': 'locked'}])

    def test_user_reads_and_invoices_own_contracts_manager_configures(self):
        user = new_test_user(
            self.env, login='si_user', groups='service_invoicing.group_service_user')
        portal = new_test_user(self.env, login='si_portal', groups='base.group_portal')
        own = self.create_contract(user_id=user.id)
        other = self.create_contract()
        as_user = self.env['service.contract'].with_user(user)
        self.assertEqual(as_user.search([('id', 'in', (own | other).ids)]), own | other)
        with self.assertRaises(AccessError):
            as_user.create({'partner_id': self.customer.id})
        with self.assertRaises(AccessError):
            own.with_user(user).write({'description': "Mine now"})
        result = (own | other).with_user(user)._run_contract_invoicing(
            as_user._invoicing_domain(date(2026, 1, 31)), date(2026, 1, 31), date(2026, 1, 31))
        self.assertEqual(result.invoiced, own)
        self.assertFalse(other.period_ids)
        # A portal user reads its own customer's contracts only (test_portal_contracts.py):
        # none of these.
        self.assertFalse(self.env['service.contract'].with_user(portal).search([]))
        with self.assertRaises(AccessError):
            own.with_user(portal).read(['name'])
