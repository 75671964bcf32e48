"""Messages as a user reads them (issue 23): quantities with the precision of their unit,
amounts with their currency, dates in the user's language format and one thing said in the
singular; never ``12.0``, ``1000.0``, ``2026-01-31`` or "1 invoices"."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ServiceOrderCommon


@tagged('post_install', '-at_install')
@freeze_time('2026-03-15')
class TestMessages(ServiceOrderCommon):

    def test_contract_messages_read_dates_and_amounts(self):
        later = self.create_contract(date_start=date(2026, 4, 1))
        with self.assertRaisesRegex(
                UserError, rf"^Contract {later.name} has no period due by 03/15/2026\.$"):
            later.action_create_invoice()
        contract = self.create_contract()
        contract.action_open()
        with self.assertRaisesRegex(ValidationError, (
                rf"annual amount of contract {contract.name} \(\$\s1,000\.00\) must equal the "
                rf"sum of its lines \(\$\s1,200\.00\)")):
            contract.annual_amount = 1000.0
        with self.assertRaisesRegex(ValidationError, r"^Contract .*: 12/31/1899 is outside"):
            self.create_contract(date_start=date(1899, 12, 31))
        contract.action_lock()
        contract.action_create_invoice()
        self.assertEqual(contract.period_ids[:1].display_name,
                         f"{contract.name}, 01/01/2026 - 01/31/2026")

    def test_quantity_messages_read_the_units_precision(self):
        order = self.create_order([(self.labour, 5.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        typed = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id,
            'invoice_line_ids': [Command.create({
                'product_id': self.labour.id, 'quantity': 5.0, 'price_unit': 80.0,
                'sale_line_ids': [Command.set(order.order_line.ids)]})]})
        with self.assert_refused(UserError, r"invoiced 5\.00 times but only 2\.00 were"):
            typed.action_post()
        typed.invoice_line_ids.quantity = 2.0
        typed.action_post()
        wizard = Form(self.env['service.invoice.correction.wizard'].with_context(
            **typed.action_service_correct()['context']))
        with wizard.line_ids.edit(0) as line:
            line.quantity_corrected = 3.0
        with self.assertRaisesRegex(UserError, r"goes from 0 to 2\.00, not 3\.00\.$"):
            wizard.save().action_correct()

    def test_empty_runs_say_their_date(self):
        with self.assertRaisesRegex(UserError, r"^Nothing is ready to invoice up to 03/15/2026"):
            Form(self.env['service.proforma.wizard']).save().action_create()
        with self.assertRaisesRegex(UserError,
                                    r"^Nothing shipped up to 03/15/2026 is left to invoice\.$"):
            Form(self.env['service.shipment.combine.wizard']).save().action_create()

    def test_one_is_said_in_the_singular(self):
        order = self.create_order([(self.labour, 2.0)])
        with freeze_time('2026-03-02'):
            self.post(order, 'ship', ship={self.labour: 2.0})
        schedule = self.env['service.invoice.schedule'].create({
            'partner_id': self.customer.id, 'date_from': date(2026, 3, 1),
            'date_to': date(2026, 3, 31), 'frequency': 'weekly', 'weekday': '0'})
        schedule.action_generate_runs()
        run = schedule.run_ids.filtered(lambda run: run.run_date <= date(2026, 3, 15))[-1:]
        run.action_run_now()
        self.assertEqual(run.message, "1 invoice made.")
        draft = run.invoice_ids
        report = self.env['service.test.report'].browse(
            draft.action_service_test_report()['res_id'])
        self.assertEqual(report.options, "Post 1 draft customer invoice or credit note.")
