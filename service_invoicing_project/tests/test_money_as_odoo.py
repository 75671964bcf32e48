"""Time and milestones billed from the backlog bring in the money Odoo's own Create Invoice of
the same order brings, to the cent, on random orders: the company's currency or euros, a
discount, a tax included in the price, a fiscal position replacing the taxes, a rate per
employee, hours sold by the day, reached milestones; then a second invoicing after the first
was posted and partly corrected. The orders come from a fixed seed: a failure names its
scenario, and runs again the same."""

import random
from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import ProjectBillingCommon

SEED = 20261126
SCENARIOS = 8


@tagged('post_install', '-at_install')
class TestProjectMoneyAsOdoo(ProjectBillingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency('EUR', rates=[('2000-01-01', 0.9)])
        cls.pricelist_eur = cls.env['product.pricelist'].create(
            {'name': "Export EUR", 'currency_id': cls.eur.id})
        cls.tax_21_included = cls.env['account.tax'].create({
            'name': "VAT 21% incl.", 'amount': 21.0, 'price_include_override': 'tax_included'})
        cls.export = cls.env['account.fiscal.position'].create({'name': "Export"})
        cls.env['account.tax'].create({
            'name': "Export 0%", 'amount': 0.0,
            'fiscal_position_ids': [Command.link(cls.export.id)],
            'original_tax_ids': [Command.set((cls.tax_15 | cls.tax_21_included).ids)]})
        cls.senior = cls._create_product(
            name="Senior consulting", type='service', service_type='timesheet',
            invoice_policy='delivery', service_tracking='no', uom_id=cls.uom_hour.id,
            lst_price=137.5, taxes_id=[Command.set(cls.tax_21_included.ids)])
        cls.uom_day = cls.env.ref('uom.product_uom_day')

    def random_project(self, rng):
        """A confirmed order of time (and, at random, senior time billed for Eric's hours,
        and a fixed price on milestones) with its project."""
        values = {'partner_id': rng.choice([self.customer, self.customer_2]).id}
        if rng.random() < 0.4:
            values['pricelist_id'] = self.pricelist_eur.id
        if rng.random() < 0.3:
            values['fiscal_position_id'] = self.export.id
        by_day = rng.random() < 0.3
        lines = [{
            'product_id': self.consulting.id, 'product_uom_qty': rng.randint(20, 200),
            'product_uom_id': (self.uom_day if by_day else self.uom_hour).id,
            'price_unit': round(rng.uniform(60.0, 180.0) * (8 if by_day else 1), 2),
            'discount': rng.choice([0.0, 0.0, 10.0, 12.5]),
        }]
        if rng.random() < 0.6:
            lines.append({'product_id': self.senior.id, 'product_uom_qty': 40.0,
                          'price_unit': round(rng.uniform(120.0, 250.0), 2)})
        if rng.random() < 0.5:
            lines.append({'product_id': self.implementation.id, 'product_uom_qty': 1.0,
                          'price_unit': rng.choice([9000.0, 12500.0, 20000.0])})
        order = self.env['sale.order'].create(
            {**values, 'order_line': [Command.create(line) for line in lines]})
        order.action_confirm()
        line_of = {line.product_id: line for line in order.order_line}
        project = self.env['project.project'].create({
            'name': f"Project of {order.name}", 'partner_id': order.partner_id.id,
            'allow_billable': True, 'allow_timesheets': True, 'allow_milestones': True,
            'user_id': self.project_manager.id, 'sale_line_id': line_of[self.consulting].id,
            'privacy_visibility': 'employees',
        })
        if self.senior in line_of:
            project.sale_line_employee_ids = [Command.create({
                'employee_id': self.eric.id, 'sale_line_id': line_of[self.senior].id})]
        order.project_id = project
        milestones = self.env['project.milestone']
        if self.implementation in line_of:
            milestones = self.milestones([("Design", 0.3), ("Build", 0.5), ("Handover", 0.2)],
                                         line=line_of[self.implementation], project=project)
        return order, project, milestones

    def work(self, rng, project, first_day, count):
        """``count`` approved timesheets of random hours and employees from ``first_day``."""
        timesheets = self.env['account.analytic.line'].browse([self.log(
            rng.choice([0.25, 0.5, 1.0, 1.75, 2.5, 3.33, 6.0, 7.5, 8.0]),
            date(2026, 3, rng.randint(first_day, first_day + 9)),
            employee=rng.choice([self.eric, self.nina, self.paula]), project=project).id
            for _index in range(count)])
        timesheets.with_user(self.project_manager).action_service_approve()
        return timesheets

    def money(self, invoices):
        """What the customer is billed: the totals, and per order line the quantity and the
        untaxed amount."""
        per_line = {}
        for line in invoices.invoice_line_ids:
            quantity, subtotal = per_line.get(line.sale_line_ids.id, (0.0, 0.0))
            per_line[line.sale_line_ids.id] = (
                round(quantity + line.quantity, 4), round(subtotal + line.price_subtotal, 2))
        return (invoices.currency_id.name, invoices.amount_untaxed, invoices.amount_tax,
                invoices.amount_total, per_line)

    def bill_both_ways(self, order, scenario, step):
        """The money Odoo's Create Invoice bills the order (made, then rolled back), and the
        proforma of its ready items, compared; the proforma is kept."""
        with self.env.cr.savepoint(flush=True) as savepoint:
            odoo = self.money(self.odoo_invoice(order))
            savepoint.rollback()
        items = self.env['service.billing.item'].search(
            [('order_id', '=', order.id), ('billing_status', '=', 'ready')])
        invoices, _left_out = items._create_proformas()
        self.assertEqual(self.money(invoices), odoo,
                         f"scenario {scenario}, {step}: the proforma of {order.name} bills "
                         f"other money than Odoo's Create Invoice")
        return invoices

    def test_random_orders_bill_what_odoo_bills(self):
        for scenario in range(SCENARIOS):
            rng = random.Random(SEED + scenario)
            order, project, milestones = self.random_project(rng)
            self.work(rng, project, 1, rng.randint(2, 6))
            if milestones:
                milestones[0].is_reached = True
            invoices = self.bill_both_ways(order, scenario, "first invoice")
            invoices.action_post()
            if rng.random() < 0.5:
                # Corrected: half of the time given back (to the hundredth of its unit).
                credit = self.env['service.invoice.correction.wizard'].with_context(
                    default_invoice_id=invoices.id).create({})
                credit._onchange_invoice_id()
                for line in credit.line_ids:
                    billed = line.invoice_line_id
                    line.quantity_corrected = billed.quantity if billed.service_milestone_id \
                        else billed.product_uom_id.round(billed.quantity / 2)
                self.env['account.move'].browse(credit.action_correct()['res_id']).action_post()
            self.work(rng, project, 11, rng.randint(1, 5))
            milestones[1:2].is_reached = True
            self.bill_both_ways(order, scenario, "second invoice").action_post()
            # Billed whole by both ways of counting: Odoo finds nothing left to invoice.
            self.assertEqual(
                set(order.order_line.mapped('qty_to_invoice')), {0.0},
                f"scenario {scenario}: something of {order.name} is left to invoice")
