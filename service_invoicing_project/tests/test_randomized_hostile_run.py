"""A randomized hostile run (issue 22): a Hypothesis state machine drives the public API
through JSON-RPC as hostile users would, step after step, on a few customers and orders, and
after every step the billing integrity check must find nothing broken; every refused step
must leave the database as it was.

The seeds are fixed (``derandomize``): CI runs the same examples each time. A longer run on
demand: ``SI_HYPOTHESIS_EXAMPLES=500`` (``SI_HYPOTHESIS_STEPS``: steps per example;
``SI_HYPOTHESIS_RANDOM=1``: new examples; ``SI_HYPOTHESIS_RULES``: only some rules;
``SI_HYPOTHESIS_OUTCOMES=1``: what each call did, counted; ``SI_HYPOTHESIS_VERBOSE=1``: every
step printed; ``SI_HYPOTHESIS_NO_SHRINK=1``: the failing examples as found).
"""

import os
from collections import Counter
from datetime import date

from freezegun.api import freeze_time as freezegun_freeze_time
from hypothesis import HealthCheck, Phase, Verbosity, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RULE_MARKER, RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test,
)

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import freeze_time

from odoo.addons.service_invoicing.tests.test_rpc_hostile_input import HostileRpcMixin

from .common import ProjectBillingCommon

# CI: the same examples each run, in two to three minutes on a shared two-core machine.
EXAMPLES = int(os.environ.get('SI_HYPOTHESIS_EXAMPLES') or 30)
STEPS = int(os.environ.get('SI_HYPOTHESIS_STEPS') or 12)
RANDOM = os.environ.get('SI_HYPOTHESIS_RANDOM') == '1'
# SI_HYPOTHESIS_RULES=open_draft,confirm...: only these rules (to look at one path harder).
FOCUS = set(filter(None, os.environ.get('SI_HYPOTHESIS_RULES', '').split(',')))

TODAY = '2026-03-20'
# The users, the most powerful first (Hypothesis shrinks towards the first).
USERS = ('si_manager', 'si_user', 'billing_user', 'accountant', 'internal', 'portal',
         'other_manager', 'project_manager', 'employee_user')
# Quantities: none, the usual, fractions, negatives, far too much, absurd.
QUANTITIES = (4.0, 1.0, 0.0, 0.5, -10.0, 100.0, 1e15)
PRICES = (50.0, 0.0, 80.0, 0.01, -50.0, 1e9)
DISCOUNTS = (0.0, 100.0, 50.0, -10.0, 150.0)
BILLING_TYPES = ('chargeable', 'complimentary', 'non_chargeable')
DATES = (TODAY, '2026-03-01', '2026-01-31', '2025-12-31', '2099-01-01', '1970-01-01')
OPTIONS = ('ship', 'invoice', 'ship_invoice', 'consume')

# Rows a refused step must neither add nor remove, and the figures it must not change.
COUNTED_MODELS = (
    'sale.order', 'sale.order.line', 'account.move', 'account.move.line',
    'service.shipment', 'service.shipment.line', 'service.billing.item',
    'account.analytic.line', 'project.milestone', 'stock.picking',
)
WATCHED_FIGURES = {
    'service.shipment.line': ['qty_shipped', 'qty_invoiced', 'qty_consumed', 'qty_in_draft'],
    'sale.order.line': ['qty_delivered', 'qty_invoiced', 'product_uom_qty', 'price_unit'],
    'account.move': ['state', 'partner_id', 'amount_untaxed', 'amount_total'],
    'service.billing.item': ['ready', 'billing_status'],
    'account.analytic.line': ['unit_amount', 'so_line', 'timesheet_invoice_id'],
}

SETTINGS = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=not RANDOM, database=None,
    deadline=None, print_blob=False, suppress_health_check=list(HealthCheck),
    verbosity=Verbosity.verbose if os.environ.get('SI_HYPOTHESIS_VERBOSE') else Verbosity.normal,
    phases=[Phase.explicit, Phase.generate] if os.environ.get('SI_HYPOTHESIS_NO_SHRINK')
    else list(Phase))

# Half the steps by a user who may bill the orders (the Manager, the orders' salesperson),
# half by anyone: deep enough to reach the money.
users = st.sampled_from(('si_manager', 'si_user')) | st.sampled_from(USERS)
indexes = st.integers(min_value=0, max_value=40)
quantities = st.sampled_from(QUANTITIES)


def maybe(strategy):
    """None (leave it as it is) or a value of ``strategy``."""
    return st.none() | strategy


# Edits of a draft's lines: (which line, quantity, price, discount, billing type); the
# quantity and the billing type are always typed (the same again, or not).
edits = st.lists(st.tuples(indexes, quantities, maybe(st.sampled_from(PRICES)),
                           maybe(st.sampled_from(DISCOUNTS)), st.sampled_from(BILLING_TYPES)),
                 min_size=1, max_size=2)


class freeze_time_but_hypothesis(freeze_time):
    """Odoo's frozen clock for the test class, but Hypothesis keeps the real one: its
    shrinking stops on its own clock."""

    def __init__(self, time_to_freeze):  # pylint: disable=super-init-not-called
        self.freezer = freezegun_freeze_time(time_to_freeze, ignore=['hypothesis'])


class BrokenInvariant(AssertionError):
    """The integrity check found a broken money invariant (a subclass per rule, so that
    Hypothesis reports and shrinks each broken rule on its own)."""

    _by_rule = {}

    @classmethod
    def of(cls, rule_name):
        if rule_name not in cls._by_rule:
            cls._by_rule[rule_name] = type(f'Broken_{rule_name}', (cls,), {})
        return cls._by_rule[rule_name]


class RefusedStepChangedDatabase(AssertionError):
    """A step was refused but left the database changed."""


def hostile_machine(case):
    """The state machine class, reaching the test case (its fixtures, users and RPC) through
    the closure."""

    class HostileBillingRun(RuleBasedStateMachine):

        def __init__(self):
            super().__init__()
            # Each example starts from the class fixtures and leaves them as they were.
            self.savepoint = case.env.cr.savepoint()
            case.env.invalidate_all()

        def teardown(self):
            self.savepoint.close(rollback=True)
            case.env.invalidate_all()

        # --- helpers ----------------------------------------------------------------------

        @staticmethod
        def user(name):
            return getattr(case, name)

        @staticmethod
        def pick(records, index):
            return records[index % len(records)] if records else records

        @staticmethod
        def search(model, domain=(), order='id'):
            return case.env[model].sudo().search(list(domain), order=order)

        def orders(self):
            return self.search('sale.order', [('company_id', '=', case.env.company.id)])

        def order_lines(self, **domain):
            return self.search('sale.order.line', [
                ('display_type', '=', False), ('is_downpayment', '=', False),
                ('state', '=', 'sale'), *domain.get('domain', [])])

        def moves(self, state, types=('out_invoice', 'out_refund')):
            return self.search('account.move', [('state', '=', state),
                                                ('move_type', 'in', list(types))])

        def state_of(self, records):
            """What a refused step must leave as it was: the counted rows, the watched
            figures of every record, and every stored value of the records involved."""
            case.env.flush_all()
            case.env.invalidate_all()
            counts = {model: case.env[model].sudo().with_context(active_test=False)
                      .search_count([]) for model in COUNTED_MODELS}
            figures = {model: case.env[model].sudo().with_context(active_test=False)
                       .search_read([], names, order='id')
                       for model, names in WATCHED_FIGURES.items()}
            involved = [record.sudo().read([
                name for name, field in record._fields.items()
                if field.store and field.column_type
                and name not in ('write_date', 'write_uid')]) for record in records if record]
            return counts, figures, involved

        def call(self, user_name, model, method, *args, records=(), **kwargs):
            """``model.method(*args)`` as ``user_name`` through JSON-RPC; a refusal (a
            UserError, ValidationError or AccessError) must leave the database unchanged
            and returns None."""
            records = [record.exists() for record in records if record]
            before = self.state_of(records)
            described = f"{user_name}: {model}.{method}{args!r:.400}"
            try:
                result = case.rpc(self.user(user_name), model, method, *args, **kwargs)
            except UserError as error:
                after = self.state_of(records)
                note(f"{described} -> refused, {type(error).__name__}: {error}"[:600])
                case.outcomes[f'{model}.{method}', 'refused', str(error)[:70]] += 1
                if after != before:
                    raise RefusedStepChangedDatabase(
                        f"{described} was refused ({error}) but changed the database") \
                        from error
                return None
            note(f"{described} -> {result!r:.200}")
            case.outcomes[f'{model}.{method}', 'done', ''] += 1
            return result

        # --- invariants -------------------------------------------------------------------

        @invariant()
        def billing_integrity_holds(self):
            found = case.env(su=True)['service.billing.integrity']._find_broken_invariants()
            if found:
                rule_name = min(finding['rule'] for finding in found)
                raise BrokenInvariant.of(rule_name)("\n".join(
                    f"[{finding['rule']}] {finding['message']}" for finding in found))

        # --- orders and posting -----------------------------------------------------------

        @precondition(lambda self: len(self.orders()) < 7)
        @rule(user=users, customer=st.sampled_from(('customer', 'customer_2')),
              lines=st.lists(st.tuples(st.sampled_from(('labour', 'filter_kit', 'hotline')),
                                       quantities, maybe(st.sampled_from(PRICES))),
                             min_size=1, max_size=3),
              confirm_user=users)
        def create_and_confirm_order(self, user, customer, lines, confirm_user):
            order_id = self.call(user, 'sale.order', 'create', {
                'partner_id': self.user(customer).id,
                'user_id': self.user(user).id,
                'order_line': [Command.create({
                    'product_id': self.user(product).id, 'product_uom_qty': quantity,
                    **({'price_unit': price} if price is not None else {}),
                }) for product, quantity, price in lines]})
            if order_id:
                order = case.env['sale.order'].browse(order_id)
                self.call(confirm_user, 'sale.order', 'action_confirm', [order_id],
                          records=[order])

        @precondition(lambda self: self.order_lines())
        @rule(user=users, order=indexes, option=st.sampled_from(OPTIONS),
              quantities=st.lists(st.tuples(maybe(quantities), maybe(quantities),
                                            maybe(quantities)), min_size=1, max_size=4),
              post_invoice=st.booleans(), invoice_date=st.sampled_from(DATES))
        def post(self, user, order, option, quantities, post_invoice, invoice_date):
            """Post (Ship, Invoice, Ship and Invoice, Consume): each quantity left None is
            the one the wizard proposes."""
            order = self.pick(self.order_lines().order_id, order)
            lines = order.order_line.filtered(lambda line: not line.display_type
                                              and not line.is_downpayment)
            commands = []
            posted = {'ship': {'ship'}, 'invoice': {'invoice'}, 'consume': {'ship', 'consume'},
                      'ship_invoice': {'ship', 'invoice'}}[option]
            for line, typed in zip(lines, quantities * 4, strict=False):
                ship, invoice, consume = (
                    quantity if kind in posted else None
                    for kind, quantity in zip(('ship', 'invoice', 'consume'), typed,
                                              strict=True))
                # As the wizard proposes: Consume proposes nothing (a write-off is typed).
                to_ship = line.service_qty_to_ship if option in ('ship', 'ship_invoice') \
                    else 0.0
                to_invoice = to_ship if option == 'ship_invoice' else (
                    line.service_qty_to_invoice if option == 'invoice' else 0.0)
                to_consume = 0.0
                commands.append(Command.create({
                    'sale_line_id': line.id,
                    'qty_to_ship': to_ship if ship is None else ship,
                    'qty_to_invoice': to_invoice if invoice is None else invoice,
                    'qty_to_consume': to_consume if consume is None else consume,
                }))
            wizard_id = self.call(user, 'service.order.post.wizard', 'create', {
                'order_ids': [Command.set(order.ids)], 'option': option,
                'line_ids': commands, 'post_invoice': post_invoice,
                'invoice_date': invoice_date})
            if wizard_id:
                self.call(user, 'service.order.post.wizard', 'action_post', [wizard_id],
                          records=[order, *lines, *lines.shipment_line_ids])

        # --- invoices from shipments ------------------------------------------------------

        @precondition(lambda self: self.moves('draft', ['out_invoice'])
                      and self.search('service.shipment.line'))
        @rule(user=users, invoice=indexes,
              chosen=st.lists(st.tuples(indexes, maybe(quantities)), min_size=1, max_size=2))
        def get_shipment_lines(self, user, invoice, chosen):
            """Get Shipment Lines on a draft invoice, with any shipment line (of any customer)
            and any quantity (None: what is left to invoice)."""
            invoice = self.pick(self.moves('draft', ['out_invoice']), invoice)
            shipment_lines = self.search('service.shipment.line')
            commands = []
            for index, quantity in chosen:
                shipment_line = self.pick(shipment_lines, index)
                commands.append(Command.create({
                    'shipment_line_id': shipment_line.id,
                    'qty_available': shipment_line.qty_to_invoice,
                    'qty_to_invoice': shipment_line.qty_to_invoice if quantity is None
                    else quantity}))
            wizard_id = self.call(user, 'service.shipment.lines.wizard', 'create', {
                'invoice_id': invoice.id, 'line_ids': commands})
            if wizard_id:
                self.call(user, 'service.shipment.lines.wizard', 'action_confirm',
                          [wizard_id], records=[invoice, *shipment_lines])

        @rule(user=users, customer=st.sampled_from((None, 'customer', 'customer_2')),
              post=st.booleans(), date_to=st.sampled_from(DATES))
        def combine_shipments(self, user, customer, post, date_to):
            wizard_id = self.call(user, 'service.shipment.combine.wizard', 'create', {
                'date_to': date_to, 'post_invoices': post,
                'partner_ids': [Command.set(self.user(customer).ids if customer else [])]})
            if wizard_id:
                self.call(user, 'service.shipment.combine.wizard', 'action_create',
                          [wizard_id])

        # --- the billing backlog and proformas --------------------------------------------

        @rule(user=users, order=maybe(indexes), cutoff=st.sampled_from(DATES))
        def create_proformas(self, user, order, cutoff):
            values = {'cutoff_date': cutoff}
            if order is not None and self.orders():
                values['order_ids'] = [Command.set(self.pick(self.orders(), order).ids)]
            wizard_id = self.call(user, 'service.proforma.wizard', 'create', values)
            if wizard_id:
                self.call(user, 'service.proforma.wizard', 'action_create', [wizard_id])

        @precondition(lambda self: self.search('service.billing.item'))
        @rule(user=users, items=st.lists(indexes, min_size=1, max_size=3),
              ready=st.booleans())
        def mark_ready(self, user, items, ready):
            all_items = self.search('service.billing.item')
            chosen = case.env['service.billing.item'].union(
                *(self.pick(all_items, index) for index in items))
            self.call(user, 'service.billing.item',
                      'action_mark_ready' if ready else 'action_mark_not_ready', chosen.ids,
                      records=chosen)

        def edit_lines(self, user, move, edits, add_typed_line=False):
            """Lines of a draft edited as its form edits them (quantity, price, discount,
            billing type; None leaves a value as it is), and a line typed beside: the form's
            Save. False when refused."""
            product_lines = move.invoice_line_ids.filtered(
                lambda move_line: move_line.display_type == 'product')
            commands = []
            for line, quantity, price, discount, billing_type in edits:
                values = {name: value for name, value in (
                    ('quantity', quantity), ('price_unit', price), ('discount', discount),
                    ('service_billing_type', billing_type)) if value is not None}
                if product_lines and values:
                    commands.append(Command.update(self.pick(product_lines, line).id, values))
            if add_typed_line:
                commands.append(Command.create({'product_id': case.hotline.id,
                                                'quantity': 1.0, 'price_unit': 10.0}))
            if not commands:
                return True
            return self.call(user, 'account.move', 'write', move.ids,
                             {'invoice_line_ids': commands},
                             records=[move, *product_lines,
                                      *product_lines.service_shipment_line_id]) is not None

        def press(self, user, move, button):
            """A button of the draft's form (Recalculate, Confirm, Post)."""
            if button:
                self.call(user, 'account.move', button, move.ids,
                          records=[move, *move.invoice_line_ids.service_shipment_line_id,
                                   *move.invoice_line_ids.sale_line_ids])

        @precondition(lambda self: self.moves('draft'))
        @rule(user=users, move=indexes, edits=edits, add_typed_line=st.booleans(),
              button=st.sampled_from(('action_service_confirm', 'action_post',
                                      'action_service_recalculate', None)))
        def open_draft(self, user, move, edits, add_typed_line, button):
            """A draft invoice or credit note (a proforma, a correction, one typed by hand)
            opened, its lines edited and saved, then a button pressed: Confirm, Post,
            Recalculate (or none)."""
            move = self.pick(self.moves('draft'), move)
            if self.edit_lines(user, move, edits, add_typed_line):
                self.press(user, move, button)

        @precondition(lambda self: self.moves('draft').filtered('service_proforma'))
        @rule(user=users, move=indexes, edits=edits, add_typed_line=st.booleans(),
              button=st.sampled_from(('action_service_confirm', 'action_service_recalculate',
                                      None)))
        def open_proforma(self, user, move, edits, add_typed_line, button):
            """The same on a proforma (the backlog's drafts, reached from its list)."""
            move = self.pick(self.moves('draft').filtered('service_proforma'), move)
            if self.edit_lines(user, move, edits, add_typed_line):
                self.press(user, move, button)

        # --- corrections ------------------------------------------------------------------

        @precondition(lambda self: self.moves('posted', ['out_invoice']))
        @rule(user=users, move=indexes,
              corrected=st.lists(maybe(quantities), min_size=1, max_size=3),
              credit_edits=edits, post=st.booleans())
        def correct_invoice(self, user, move, corrected, credit_edits, post):
            """Correct this Invoice with any corrected quantity (None: 0, a full credit),
            then the credit note edited (any quantity, price, discount, billing type) and
            posted, or left a draft."""
            move = self.pick(self.moves('posted', ['out_invoice']), move)
            lines = move.invoice_line_ids.filtered(
                lambda move_line: move_line.display_type == 'product')
            wizard_id = self.call(user, 'service.invoice.correction.wizard', 'create', {
                'invoice_id': move.id, 'reason': "hostile",
                'line_ids': [Command.create({
                    'invoice_line_id': line.id,
                    'quantity_corrected': quantity or 0.0,
                }) for line, quantity in zip(lines, corrected * len(lines), strict=False)]})
            action = wizard_id and self.call(
                user, 'service.invoice.correction.wizard', 'action_correct', [wizard_id],
                records=[move])
            if action:
                credit_note = case.env['account.move'].browse(action['res_id'])
                if self.edit_lines(user, credit_note, credit_edits) and post:
                    self.press(user, credit_note, 'action_post')

        @precondition(lambda self: self.moves('posted', ['out_invoice']))
        @rule(user=users, move=indexes, modify=st.booleans())
        def odoo_reverse(self, user, move, modify):
            """Odoo's own Reverse (a credit note posted at once; or Modify: reversed and a
            new draft of the same)."""
            move = self.pick(self.moves('posted', ['out_invoice']), move)
            wizard_id = self.call(user, 'account.move.reversal', 'create', {
                'journal_id': move.journal_id.id, 'date': TODAY, 'reason': "hostile"},
                context={'active_model': 'account.move', 'active_ids': move.ids})
            if wizard_id:
                self.call(user, 'account.move.reversal',
                          'modify_moves' if modify else 'refund_moves', [wizard_id],
                          records=[move])

        # --- Odoo's own invoicing and invoices typed by hand ------------------------------

        @precondition(lambda self: self.order_lines())
        @rule(user=users, order=indexes,
              method=st.sampled_from(('delivered', 'percentage', 'fixed')),
              amount=st.sampled_from((10.0, 0.0, 100.0, 150.0, -10.0)))
        def odoo_create_invoice(self, user, order, method, amount):
            order = self.pick(self.order_lines().order_id, order)
            wizard_id = self.call(user, 'sale.advance.payment.inv', 'create', {
                'advance_payment_method': method, 'amount': amount, 'fixed_amount': amount,
            }, context={'active_model': 'sale.order', 'active_ids': order.ids,
                        'active_id': order.id})
            if wizard_id:
                self.call(user, 'sale.advance.payment.inv', 'create_invoices', [wizard_id],
                          context={'active_model': 'sale.order', 'active_ids': order.ids,
                                   'active_id': order.id},
                          records=[order, *order.order_line])

        @precondition(lambda self: self.order_lines())
        @rule(user=users, customer=st.sampled_from(('customer', 'customer_2')),
              shipped_only=st.booleans(), order_line=indexes,
              link=st.sampled_from(('order_line', 'shipment_line')),
              quantity=maybe(quantities), price=st.sampled_from(PRICES), post=st.booleans())
        def typed_invoice(self, user, customer, shipped_only, order_line, link, quantity,
                          price, post):
            """An invoice typed by hand for any customer, its line naming any order line
            (one with something left to invoice, or any), or its first shipment line, for
            any quantity (None: what the order line has left to invoice) and price; saved,
            and posted or left a draft."""
            order_lines = self.order_lines()
            if shipped_only:
                order_lines = order_lines.filtered('service_qty_to_invoice') or order_lines
            order_line = self.pick(order_lines, order_line)
            values = {'product_id': order_line.product_id.id, 'price_unit': price,
                      'quantity': order_line.service_qty_to_invoice if quantity is None
                      else quantity}
            if link == 'order_line':
                values['sale_line_ids'] = [Command.set(order_line.ids)]
            elif order_line.shipment_line_ids:
                values['service_shipment_line_id'] = order_line.shipment_line_ids[0].id
            move_id = self.call(user, 'account.move', 'create', {
                'move_type': 'out_invoice', 'partner_id': self.user(customer).id,
                'invoice_date': TODAY, 'invoice_line_ids': [Command.create(values)]},
                records=[order_line, *order_line.shipment_line_ids])
            if move_id and post:
                self.press(user, case.env['account.move'].browse(move_id), 'action_post')

        # --- the Projects bridge: time and milestones -------------------------------------

        @rule(user=users, employee=st.sampled_from(('eric', 'nina', 'paula')),
              hours=st.sampled_from((8.0, 1.5, 0.0, -4.0, 24.0, 1e6)),
              day=st.sampled_from(('2026-03-16', '2026-03-02', '2025-12-31', '2099-01-01')))
        def log_time(self, user, employee, hours, day):
            self.call(user, 'account.analytic.line', 'create', {
                'project_id': case.project.id, 'employee_id': self.user(employee).id,
                'unit_amount': hours, 'date': day, 'name': "Hostile work"})

        @precondition(lambda self: self.search('account.analytic.line',
                                               [('project_id', '!=', False)]))
        @rule(user=users, timesheet=indexes,
              action=st.sampled_from(('action_service_approve', 'action_service_unapprove',
                                      'write_hours', 'unlink')),
              hours=st.sampled_from((2.0, 0.0, -8.0, 100.0)))
        def change_time(self, user, timesheet, action, hours):
            timesheet = self.pick(self.search('account.analytic.line',
                                              [('project_id', '!=', False)]), timesheet)
            if action == 'write_hours':
                self.call(user, 'account.analytic.line', 'write', timesheet.ids,
                          {'unit_amount': hours}, records=[timesheet])
            else:
                self.call(user, 'account.analytic.line', action, timesheet.ids,
                          records=[timesheet])

        @rule(user=users, milestone=indexes, reached=st.booleans(),
              share=maybe(st.sampled_from((0.5, 0.0, -0.3, 2.0))))
        def change_milestone(self, user, milestone, reached, share):
            milestone = self.pick(self.search('project.milestone'), milestone)
            values = {'is_reached': reached}
            if share is not None:
                values['quantity_percentage'] = share
            self.call(user, 'project.milestone', 'write', milestone.ids, values,
                      records=[milestone])

        # --- writes of fields the forms show ----------------------------------------------

        @rule(user=users, field=st.sampled_from((
            ('sale.order.line', 'product_uom_qty'), ('sale.order.line', 'price_unit'),
            ('sale.order.line', 'qty_delivered'), ('sale.order.line', 'discount'),
            ('account.move', 'partner_id'), ('account.move', 'invoice_date'),
            ('account.move', 'currency_id'), ('account.move.line', 'sale_line_ids'),
            ('account.move.line', 'service_shipment_line_id'),
            ('service.shipment.line', 'qty_posted'), ('sale.order', 'partner_id'),
        )), record=indexes, value=indexes)
        def write_field(self, user, field, record, value):
            model, name = field
            records = {
                'sale.order.line': lambda: self.order_lines(),
                'sale.order': lambda: self.orders(),
                'account.move': lambda: self.search('account.move', [
                    ('move_type', 'in', ('out_invoice', 'out_refund'))]),
                'account.move.line': lambda: self.search('account.move.line', [
                    ('move_id.move_type', 'in', ('out_invoice', 'out_refund')),
                    ('display_type', '=', 'product')]),
                'service.shipment.line': lambda: self.search('service.shipment.line'),
            }[model]()
            if not records:
                return
            record = self.pick(records, record)
            definition = record._fields[name]
            if definition.type == 'many2one':
                targets = {'res.partner': (case.customer | case.customer_2).ids,
                           'res.currency': (case.env.company.currency_id | case.eur).ids,
                           'service.shipment.line': self.search('service.shipment.line').ids,
                           }[definition.comodel_name]
                new_value = targets[value % len(targets)]
            elif definition.type == 'many2many':
                new_value = [Command.set([self.pick(self.order_lines(), value).id])]
            elif definition.type == 'date':
                new_value = DATES[value % len(DATES)]
            else:
                new_value = QUANTITIES[value % len(QUANTITIES)]
            self.call(user, model, 'write', record.ids, {name: new_value}, records=[record])

    if FOCUS:
        # A run focused on some rules: the others are left out.
        for name, member in list(vars(HostileBillingRun).items()):
            if hasattr(member, RULE_MARKER) and name not in FOCUS:
                setattr(HostileBillingRun, name, None)
    return HostileBillingRun


@tagged('post_install', '-at_install')
@freeze_time_but_hypothesis(TODAY)
class TestRandomizedHostileRun(HostileRpcMixin, ProjectBillingCommon):
    """Hostile users on a few customers and orders: shipped orders of two customers, a draft
    proforma, a confirmed one, time approved and not, a milestone reached."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_hostile_users()
        cls.env.company.service_timesheet_approval = True
        cls.accountant = new_test_user(
            cls.env, login='hostile_accountant', groups='account.group_account_invoice',
            company_id=cls.env.company.id, company_ids=[Command.set(cls.env.company.ids)])
        cls.internal = new_test_user(
            cls.env, login='hostile_internal', groups='base.group_user',
            company_id=cls.env.company.id, company_ids=[Command.set(cls.env.company.ids)])
        cls.filter_kit = cls._create_product(
            name="Filter kit", type='consu', lst_price=50.0, invoice_policy='delivery')
        cls.labour = cls._create_product(
            name="Repair labour", type='service', lst_price=80.0, invoice_policy='delivery')
        # Customer X's order, shipped; customer Y's order, shipped; X's second order, shipped
        # and invoiced (posted).
        cls.order_x = cls.shipped_order(cls.customer, cls.si_user,
                                        [(cls.labour, 4.0), (cls.filter_kit, 4.0)])
        cls.order_y = cls.shipped_order(cls.customer_2, cls.billing_user, [(cls.labour, 4.0)])
        cls.order_x2 = cls.shipped_order(cls.customer, cls.si_user, [(cls.labour, 2.0)])
        invoice, _left_out = cls.env['service.billing.item'].search(
            [('order_id', '=', cls.order_x2.id)])._create_proformas()
        invoice.action_service_confirm()

    @classmethod
    def shipped_order(cls, partner, salesperson, lines):
        order = cls.env['sale.order'].create({
            'partner_id': partner.id, 'user_id': salesperson.id,
            'order_line': [Command.create({'product_id': product.id, 'product_uom_qty': qty})
                           for product, qty in lines]})
        order.action_confirm()
        order.order_line._service_post(
            'ship', ship={line: line.product_uom_qty for line in order.order_line})
        return order

    def setUp(self):
        super().setUp()
        # The project order (ProjectBillingCommon's): the Service User's, time logged (one
        # approved), two milestones (one reached); and a draft proforma of order X.
        self.order.user_id = self.si_user
        self.log(8.0, date(2026, 3, 16)).with_user(self.project_manager) \
            .action_service_approve()
        self.log(4.0, date(2026, 3, 17), employee=self.eric)
        design, _build = self.milestones([("Design", 0.3), ("Build", 0.7)])
        design.is_reached = True
        items = self.env['service.billing.item'].search([('order_id', '=', self.order_x.id)])
        items._create_proformas()

    def test_hostile_users_never_break_the_billing_invariants(self):
        self.outcomes = Counter()
        self.assertFalse(
            self.env(su=True)['service.billing.integrity']._find_broken_invariants())
        try:
            run_state_machine_as_test(hostile_machine(self), settings=SETTINGS)
        finally:
            if os.environ.get('SI_HYPOTHESIS_OUTCOMES'):
                for (call, outcome, reason), count in sorted(self.outcomes.items()):
                    print(f"{count:5} {call} {outcome} {reason}")  # pylint: disable=print-used
