"""The batches write their invoices' chatter per chunk: every message, tracking value, follower
and notification exactly as Odoo's standard path writes them, one invoice at a time."""

import re
from collections import defaultdict
from contextlib import suppress
from datetime import date

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT
from odoo.tests import tagged

from ..const import BATCHED_CHATTER_PARAM
from .common import ServiceOrderCommon
from .query_counts import QueryCounting


class Rollback(Exception):
    """Undo a run inside its savepoint."""


@tagged('post_install', '-at_install')
class TestBatchedChatter(QueryCounting, ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Subtype = cls.env['mail.message.subtype'].sudo()
        # Followers of a customer who follow "its invoices" follow each new invoice's creation
        # and validation (Odoo's parent subtypes): the first is notified in the inbox.
        cls.parents = Subtype.create([{
            'name': name, 'res_model': 'res.partner', 'default': False,
            'parent_id': cls.env.ref(xmlid).id, 'relation_field': 'partner_id',
        } for xmlid, name in (('account.mt_invoice_created', "Customer Invoice Created"),
                              ('account.mt_invoice_validated', "Customer Invoice Validated"))])
        cls.follower = cls._create_new_internal_user(
            login='invoice_follower', name="Invoice Follower", notification_type='inbox')
        # ... the second follows the customers for their discussions only.
        cls.discussions = cls._create_new_internal_user(
            login='discussion_follower', name="Discussion Follower", notification_type='inbox')
        for customer in cls.customer | cls.customer_2:
            customer.message_subscribe(partner_ids=cls.follower.partner_id.ids,
                                       subtype_ids=cls.parents.ids)
            customer.message_subscribe(partner_ids=cls.discussions.partner_id.ids,
                                       subtype_ids=cls.env.ref('mail.mt_comment').ids)

    def setUp(self):
        super().setUp()
        # The tests' environment writes no chatter (Odoo's test classes): users' does.
        self.env = self.env(context={key: value for key, value in self.env.context.items()
                                     if key not in DISABLED_MAIL_CONTEXT})

    def live(self, records):
        """``records`` in the users' environment (the classes' one writes no chatter)."""
        return records.with_env(self.env)

    @classmethod
    def _create_new_internal_user(cls, login, name, notification_type):
        return cls.env['res.users'].sudo().create({
            'login': login, 'name': name, 'email': f'{login}@example.com',
            'notification_type': notification_type,
            'group_ids': [(6, 0, cls.env.ref('base.group_user').ids)],
        })

    # --- the comparison ---------------------------------------------------------------

    def chatter_rows(self, invoices):
        """Every chatter row of ``invoices`` as a user could tell them apart: ids replaced by
        their rank, dates left out (the order is kept)."""
        cr = self.env.cr
        self.env.flush_all()
        moves = {move_id: index for index, move_id in enumerate(sorted(invoices.ids))}
        cr.execute("SELECT * FROM mail_message WHERE model = 'account.move' AND res_id = ANY(%s)"
                   " ORDER BY id", [list(moves)])
        messages = cr.dictfetchall()
        rank = {message['id']: index for index, message in enumerate(messages)}

        def clean(row, drop=(), **renames):
            row = {key: value for key, value in row.items()
                   if key not in ('id', 'create_date', 'write_date', 'date', *drop)}
            for key, mapping in renames.items():
                row[key] = mapping.get(row[key], row[key] and 'elsewhere')
            return row

        rows = {'mail.message': []}
        for message in messages:
            row = clean(message, res_id=moves, parent_id=rank)
            # Odoo's message-id: random, then the record it is about.
            row['message_id'] = re.sub(r'^<[\d.]+-openerp-(\d+)-', lambda match: str(
                moves.get(int(match.group(1)))), row['message_id'] or '')
            rows['mail.message'].append(row)
        for table, key in (('mail_tracking_value', 'mail_message_id'),
                           ('mail_notification', 'mail_message_id'),
                           ('mail_message_res_partner_rel', 'mail_message_id'),
                           ('message_attachment_rel', 'message_id'),
                           ('mail_mail', 'mail_message_id')):
            cr.execute(f"SELECT * FROM {table} WHERE {key} = ANY(%s)",
                       [list(rank)])
            found = [clean(row, **{key: rank}) for row in cr.dictfetchall()]
            for row in found:
                # When an email went, when a notification was read: only whether.
                for name in ('mail_mail_id', 'read_date', 'scheduled_date'):
                    if name in row:
                        row[name] = bool(row[name])
                # An email names its record and tokens: numbers differ from run to run.
                for name in ('body_html', 'references', 'headers'):
                    if row.get(name):
                        row[name] = re.sub(r'\d+', '#', str(row[name]))
            rows[table] = sorted(found, key=repr)
        cr.execute("""SELECT f.res_id, f.partner_id,
                             array_agg(r.mail_message_subtype_id ORDER BY r.mail_message_subtype_id)
                        FROM mail_followers f
                   LEFT JOIN mail_followers_mail_message_subtype_rel r
                          ON r.mail_followers_id = f.id
                       WHERE f.res_model = 'account.move' AND f.res_id = ANY(%s)
                    GROUP BY f.id ORDER BY f.res_id, f.partner_id""", [list(moves)])
        rows['mail.followers'] = [(moves[res_id], partner, subtypes)
                                  for res_id, partner, subtypes in cr.fetchall()]
        # What the web clients are told (inbox notifications): per channel and kind.
        cr.execute("SELECT channel, message::json->>'type' FROM bus_bus WHERE id > %s "
                   "ORDER BY id", [self.bus_start])
        rows['bus.bus'] = sorted(map(tuple, cr.fetchall()))
        partners = invoices.partner_id | invoices.partner_id.commercial_partner_id
        partners.invalidate_recordset(['customer_rank'])
        rows['ranks'] = sorted(partners.mapped(lambda partner: (partner.id,
                                                                partner.customer_rank)))
        return rows

    def run_both_ways(self, scenario):
        """``scenario()`` (returns the invoices) run with the batched chatter and with Odoo's
        standard chatter on the same data; asserts every row is the same and returns them."""
        runs = []
        self.commit_point()  # what the set-up left to write before its commit
        for batched in (True, False):
            self.env['ir.config_parameter'].sudo().set_param(
                BATCHED_CHATTER_PARAM, '1' if batched else '0')
            self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM bus_bus")
            self.bus_start = self.env.cr.fetchone()[0]
            with suppress(Rollback), self.env.cr.savepoint():
                invoices = scenario()
                self.commit_point()
                runs.append(self.chatter_rows(invoices))
                raise Rollback
            self.env.invalidate_all()
            self.env.cr.precommit.clear()
        batched, standard = runs
        self.assertTrue(batched['mail.message'])
        for table in standard:
            self.assertEqual(batched[table], standard[table], table)
        return batched

    def commit_point(self):
        """What a commit runs first: the tracking messages (``_track_finalize``)."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.flush_all()

    def notified(self, rows, user):
        return [row for row in rows['mail_notification']
                if row['res_partner_id'] == user.partner_id.id]

    # --- the batches -------------------------------------------------------------------

    def test_contract_batch_writes_the_chatter_of_the_standard_path(self):
        contracts = self.create_contract() | self.create_contract(partner=self.customer_2) \
            | self.create_contract(lines=[(self.hotline, 2.0, 600.0)],
                                   user_id=self.follower.id)
        rows = self.run_both_ways(lambda: self.invoice(
            self.live(contracts), date(2026, 1, 31), post=True).invoices)
        created = [row for row in rows['mail.message']
                   if row['subtype_id'] == self.env.ref('account.mt_invoice_created').id]
        self.assertEqual(len(created), 3)
        # Created, then validated (posted in the same transaction).
        self.assertEqual(len(self.notified(rows, self.follower)), 6)
        self.assertFalse(self.notified(rows, self.discussions))
        self.assertIn(self.discussions.partner_id.id,
                      [partner for _move, partner, _subtypes in rows['mail.followers']])

    def test_customers_ranked_as_the_standard_path(self):
        """A company and its contact invoiced in one posting, never invoiced before: both
        ranked as Odoo ranks them (the company twice: once now, once after the commit)."""
        company = self.env['res.partner'].create({'name': "Frost Group", 'is_company': True})
        contact = self.env['res.partner'].create({'name': "Ann Frost", 'parent_id': company.id})
        contracts = self.create_contract(partner=company) | self.create_contract(partner=contact)
        rows = self.run_both_ways(lambda: self.invoice(
            self.live(contracts), date(2026, 1, 31), post=True).invoices)
        self.assertEqual(rows['ranks'], [(company.id, 1), (contact.id, 1)])

    def test_drafts_posted_by_a_later_run_track_as_the_standard_path(self):
        contracts = self.create_contract() | self.create_contract(partner=self.customer_2)

        def create_then_post():
            invoices = self.invoice(self.live(contracts), date(2026, 2, 28)).invoices
            self.commit_point()  # created in one transaction, posted in the next
            refused = invoices._service_post_each(without_resync=True)
            self.assertFalse(refused)
            return invoices
        rows = self.run_both_ways(create_then_post)
        validated = [row for row in rows['mail.message']
                     if row['subtype_id'] == self.env.ref('account.mt_invoice_validated').id]
        self.assertEqual(len(validated), 2)
        self.assertEqual(len(rows['mail_tracking_value']), 8)  # number, state...
        self.assertEqual(len(self.notified(rows, self.follower)), 4)

    def test_combine_shipments_writes_the_chatter_of_the_standard_path(self):
        for partner in self.customer | self.customer | self.customer_2:
            order = self.create_order([(self.filter_kit, 3.0), (self.labour, 2.0)],
                                      partner=partner)
            self.post(order, 'ship', ship={self.filter_kit: 3.0, self.labour: 2.0})

        def combine():
            invoices, failed, _left = self.env['service.shipment.line']._combine_shipments(
                date(2100, 1, 1), post=True)
            self.assertFalse(failed)
            return invoices
        rows = self.run_both_ways(combine)
        self.assertEqual(len(self.notified(rows, self.follower)), 4)

    def test_proforma_confirm_writes_the_chatter_of_the_standard_path(self):
        orders = self.create_order([(self.labour, 2.0)]) \
            | self.create_order([(self.labour, 1.0)], partner=self.customer_2)
        for order in orders:
            self.post(order, 'ship', ship={self.labour: order.order_line.product_uom_qty})

        def proforma_then_confirm():
            wizard = self.env['service.proforma.wizard'].create(
                {'order_ids': [(6, 0, orders.ids)]})
            wizard.action_create()
            self.commit_point()
            wizard.invoice_ids.action_service_confirm()
            return wizard.invoice_ids
        rows = self.run_both_ways(proforma_then_confirm)
        self.assertEqual(len(self.notified(rows, self.follower)), 4)

    def test_post_and_invoice_writes_the_chatter_of_the_standard_path(self):
        order = self.create_order([(self.filter_kit, 2.0), (self.labour, 1.0)])
        self.run_both_ways(lambda: self.post(
            self.live(order), 'ship_invoice', ship={self.filter_kit: 2.0, self.labour: 1.0},
            invoice={self.filter_kit: 2.0, self.labour: 1.0}, post_invoice=True))

    def test_a_follower_notified_by_email_takes_the_standard_path(self):
        emailed = self._create_new_internal_user(
            login='emailed_follower', name="Emailed Follower", notification_type='email')
        self.customer.message_subscribe(partner_ids=emailed.partner_id.ids,
                                        subtype_ids=self.parents.ids)
        contracts = self.create_contract() | self.create_contract(partner=self.customer_2)
        rows = self.run_both_ways(lambda: self.invoice(
            self.live(contracts), date(2026, 1, 31), post=True).invoices)
        self.assertEqual(len(self.notified(rows, emailed)), 2)
        self.assertEqual(len(rows['mail_mail']), 2)

    def test_followers_subscribed_as_the_standard_path(self):
        """The followers Odoo subscribes to each new invoice (those of its customer who follow
        its invoices, the creator), subscribed per group of invoices: the same followers with
        the same subtypes, for customers followed differently in one chunk."""
        created = self.env.ref('account.mt_invoice_created')
        validated = self.env.ref('account.mt_invoice_validated')
        note = self.env.ref('mail.mt_note')
        # The creator follows a customer's invoices: Odoo adds those subtypes to the creator's
        # own subscription of each new invoice.
        creator = self.env.user.partner_id
        self.customer_2.message_subscribe(partner_ids=creator.ids, subtype_ids=self.parents.ids)
        # A customer's contact (no user) follows its invoices and its notes: internal notes
        # are not for contacts outside the company.
        shared = self.env['res.partner'].create({'name': "Outside Accountant",
                                                 'email': 'accountant@example.com'})
        third = self.env['res.partner'].create({'name': "Third Customer"})
        third.message_subscribe(partner_ids=(shared | self.follower.partner_id).ids,
                                subtype_ids=(self.parents | note).ids)
        unfollowed = self.env['res.partner'].create({'name': "Unfollowed Customer"})
        contracts = self.create_contract() | self.create_contract(partner=self.customer_2) \
            | self.create_contract(partner=self.customer_2) | self.create_contract(partner=third) \
            | self.create_contract(partner=unfollowed)
        rows = self.run_both_ways(lambda: self.invoice(
            self.live(contracts), date(2026, 1, 31), post=True).invoices)
        subtypes = defaultdict(set)  # {partner: {(invoice customer, subtypes of the invoice)}}
        for _move, partner, followed in rows['mail.followers']:
            subtypes[partner].add(frozenset(followed))
        invoice_subtypes = {created.id, validated.id}
        # The creator: every invoice, those of the second customer with its invoice subtypes.
        self.assertEqual(len([1 for _move, partner, _s in rows['mail.followers']
                              if partner == creator.id]), 5)
        self.assertEqual(len([1 for followed in subtypes[creator.id]
                              if invoice_subtypes <= followed]), 1)
        self.assertEqual(subtypes[shared.id], {frozenset(invoice_subtypes)})
        self.assertEqual(subtypes[self.follower.partner_id.id],
                         {frozenset(invoice_subtypes), frozenset(invoice_subtypes | {note.id})})

    # --- the cost ----------------------------------------------------------------------

    def test_the_chatter_of_a_chunk_costs_a_fraction_of_the_standard_chatter(self):
        """What the chatter adds to a chunk beside writing none at all (Odoo's
        ``tracking_disable``), for a customer nobody follows: with the batched chatter, per
        invoice more, only Odoo's look-ups of the creation and validation subtypes (``env.ref``
        in ``_creation_subtype`` and ``_track_subtype``: two queries; the followers are
        subscribed per chunk), and in all less than half what the standard chatter adds."""
        unfollowed = self.env['res.partner'].create({'name': "Unfollowed Customer"})

        def run(count, mode):
            contracts = self.env['service.contract'].browse()
            for _index in range(count):
                contracts |= self.create_contract(partner=unfollowed)
            self.env['ir.config_parameter'].sudo().set_param(
                BATCHED_CHATTER_PARAM, '0' if mode == 'standard' else '1')
            env_context = {'none': {'tracking_disable': True},
                           'asked': {'service_standard_chatter': True}}.get(mode, {})
            with suppress(Rollback), self.env.cr.savepoint():
                queries, _result = self.count_queries(
                    lambda: self.live(contracts).with_context(
                        **env_context)._create_contract_invoices(
                        date(2026, 1, 31), date(2026, 1, 31), post=True))
                raise Rollback
            self.env.invalidate_all()
            self.env.cr.precommit.clear()
            return queries
        # Warm the caches (and the shape check of the fast path) once.
        run(2, 'batched')
        cost = {mode: {count: run(count, mode) for count in (4, 12)}
                for mode in ('none', 'batched', 'standard')}
        added = {mode: {count: cost[mode][count] - cost['none'][count] for count in (4, 12)}
                 for mode in ('batched', 'standard')}
        per_invoice = {mode: (added[mode][12] - added[mode][4]) / 8 for mode in added}
        self.assertLessEqual(per_invoice['batched'], 2.5, cost)
        self.assertLess(per_invoice['batched'], per_invoice['standard'], cost)
        self.assertLess(added['batched'][12], added['standard'][12] / 2, cost)
        # A context asking for Odoo's chatter gets it, whatever the system parameter says.
        # (Give or take the system parameter's look-up, which the context spares.)
        self.assertAlmostEqual(run(4, 'asked'), cost['standard'][4], delta=2)
