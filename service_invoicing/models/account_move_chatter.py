"""The chatter of the invoices a batch creates and posts, written per chunk.

Odoo writes an invoice's chatter one invoice at a time. At creation ``mail.thread.create``
posts the "Invoice Created" message of each invoice (``message_post`` with account's creation
subtype): its author, alias domain, company, reply-to, thread parent and recipients are looked
up and one ``mail.message`` is created per call. At posting, ``_track_finalize`` (before the
commit) compares the tracked fields of each invoice (number, status, ...) and posts the
"Validated" message with its tracking values, again one ``message_post`` each. In a batch that
is about a third of the time per invoice.

The batches write the same rows per chunk. The invoices are created with ``mail_create_nolog``;
Odoo's ``create`` subscribes the creator to them all at once, and the partners it auto-subscribes
to each invoice (``_message_auto_subscribe``: followers of its customer or sales team who follow
its subtypes, its responsible) are subscribed per group of invoices with the same followers by
Odoo's ``_insert_followers`` (``_service_auto_subscribe_batch``). The
values ``message_post`` would give each message are computed for the whole chunk by Odoo's own
builders (``_message_compute_author``, ``_mail_get_alias_domains``, ``_mail_get_companies``,
``_notify_get_reply_to``, ``_creation_message``, ``_mail_track``, ``_track_subtype``,
``_track_get_default_log_message``, ``mail.followers._get_recipient_data``) and created by one
``_message_create``, tracking values with them; Odoo's ``_message_post_after_hook`` runs for
each, and ``_notify_thread`` (inbox notifications, bus) for each invoice with a follower who
follows the message's subtype. Users read exactly what they read today: nothing is skipped.

Odoo's standard path is kept for anything unusual: a follower whom the subtype notifies
otherwise than in the inbox (by email...), a body or author set for a tracking message, the
context key ``service_standard_chatter``, or the system parameter
``service_invoicing.batched_chatter`` set to ``0``. The tests compare every message, tracking
value, follower and notification of the batches with the standard path.
"""

from collections import defaultdict
from contextlib import contextmanager

from markupsafe import Markup, escape

from odoo import api, models
from odoo.exceptions import MissingError

from ..const import BATCHED_CHATTER_PARAM
from .res_partner import PENDING_RANKS_KEY

# Precommit data: ids of the invoices whose tracking message a batch's posting writes per chunk.
BATCHED_TRACKING_KEY = 'service_invoicing.batched_tracking'
# Cursor cache: [(invoice, its creation values)] whose auto-subscription a batch makes per chunk.
PENDING_SUBSCRIPTIONS_KEY = 'service_invoicing.pending_subscriptions'


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # CRUD / TRACKING OVERRIDES
    # ------------------------------------------------------------

    def _message_track(self, fields_iter, initial_values_dict):
        # EXTENDS mail.thread: the tracking messages of the invoices a batch posted
        # (``_service_prepare_posting_chatter``), written together.
        precommit = self.env.cr.precommit.data
        flagged = precommit.get(BATCHED_TRACKING_KEY, set())
        ours = self.filtered(lambda move: move.id in flagged)
        flagged.difference_update(ours.ids)
        explicit = set(precommit.get(f'mail.tracking.message.{self._name}', ())) \
            | set(precommit.get(f'mail.tracking.author.{self._name}', ()))
        if not fields_iter or not ours or explicit & set(ours.ids):
            return super()._message_track(fields_iter, initial_values_dict)
        tracking = super(AccountMove, self - ours)._message_track(
            fields_iter, initial_values_dict) if self - ours else {}
        # What ``mail.thread._message_track`` computes for each record, then posts one by one.
        tracked_fields = self.fields_get(
            fields_iter, attributes=('string', 'type', 'selection', 'currency_field'))
        for record in ours:
            try:
                tracking[record.id] = record._mail_track(
                    tracked_fields, initial_values_dict[record.id])
            except MissingError:
                continue
        posts = []
        existing = {}
        for record in ours:
            changes, tracking_value_ids = tracking.get(record.id, (None, None))
            if not changes:
                continue
            subtype = record._track_subtype(
                {fname: initial_values_dict[record.id][fname] for fname in changes})
            body = record._track_get_default_log_message(changes)
            if subtype:
                if subtype.id not in existing:  # looked up once per subtype, not per invoice
                    existing[subtype.id] = bool(subtype.exists())
                if existing[subtype.id]:
                    posts.append((record, {'body': body, 'author_id': None,
                                           'subtype_id': subtype.id,
                                           'tracking_value_ids': tracking_value_ids}))
            elif tracking_value_ids:
                posts.append((record, {'body': body, 'author_id': None,
                                       'tracking_value_ids': tracking_value_ids,
                                       'log': True}))
        ours._service_message_post_batch(posts)
        return tracking

    def _message_auto_subscribe(self, updated_values, followers_existing_policy='skip'):
        # EXTENDS mail.thread: the auto-subscription ``mail.thread.create`` makes for each
        # invoice a batch creates, kept for ``_service_subscriptions_batched``.
        pending = self.env.cr.cache.get(PENDING_SUBSCRIPTIONS_KEY)
        if pending is None or followers_existing_policy != 'update' or len(self) != 1:
            return super()._message_auto_subscribe(
                updated_values, followers_existing_policy=followers_existing_policy)
        pending.append((self, dict(updated_values)))
        return True

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _service_chatter_batched(self):
        """Whether the batches write the chatter per chunk: not where the context asks for
        Odoo's behaviour, nor where the system parameter says ``0`` (missing means yes)."""
        context = self.env.context
        if context.get('service_standard_chatter') or context.get('tracking_disable') \
                or context.get('mail_create_nolog') or context.get('mail_notrack'):
            return False
        value = self.env['ir.config_parameter'].sudo().get_param(BATCHED_CHATTER_PARAM, '1')
        return value.strip().lower() not in ('0', 'false', 'no', 'off')

    def _service_log_creation(self):
        """The creation messages of these invoices, just created with ``mail_create_nolog``,
        as ``mail.thread.create`` posts them: a message of the creation subtype by the
        current user for each ("Invoice Created"), then the notes of those without one."""
        posts = []
        without_subtype = self.browse()
        author_id = self.env.user.partner_id.id
        for move in self:
            subtype = move._creation_subtype()
            if not subtype:
                without_subtype |= move
                continue
            posts.append((move, {
                'subtype_id': subtype.id, 'author_id': author_id,
                # summary="o_mail_notification": the web client hides the body, as Odoo's.
                'body': Markup('<div summary="o_mail_notification"><p>%s</p></div>')
                % move._creation_message(),
            }))
        self.sudo()._service_message_post_batch(posts)
        if without_subtype:
            without_subtype._message_log_batch(
                bodies={move.id: move._creation_message() for move in without_subtype})

    @contextmanager
    def _service_subscriptions_batched(self):
        """While invoices are created, the partners ``mail.thread.create`` auto-subscribes to
        each (``_message_auto_subscribe``: followers of its customer or sales team following
        the invoice subtypes, its responsible) are gathered, then subscribed per group of
        invoices with the same followers (``_service_auto_subscribe_batch``). Odoo's path
        where the batches take it (``_service_chatter_batched``)."""
        cache = self.env.cr.cache
        if PENDING_SUBSCRIPTIONS_KEY in cache or not self._service_chatter_batched():
            yield
            return
        pending = cache[PENDING_SUBSCRIPTIONS_KEY] = []
        try:
            yield
        finally:
            cache.pop(PENDING_SUBSCRIPTIONS_KEY, None)
        if pending:
            self._service_auto_subscribe_batch(pending)

    @api.model
    def _service_auto_subscribe_batch(self, pending):
        """``pending``: [(invoice, creation values)], each what
        ``invoice._message_auto_subscribe(values, followers_existing_policy='update')`` would
        do, as ``mail.thread._message_auto_subscribe`` computes it: the followers of the
        related documents (one query per model for all) and
        ``_message_auto_subscribe_followers``, inserted by Odoo's ``_insert_followers`` once
        per group of invoices with the same partners and subtypes. Odoo's own call, invoice
        by invoice, for anything else: a partner following two of an invoice's documents, a
        follower to notify (an assignment), unusual values."""
        child_ids, def_ids, all_int_ids, parent, relation = \
            self.env['mail.message.subtype']._get_auto_subscription_subtypes(self._name)
        # {invoice: its related documents whose followers Odoo reads, [(model, id)]}
        documents = {
            record: list(dict.fromkeys((model, values[fname])
                                       for model, fnames in relation.items()
                                       for fname in sorted(fnames) if values.get(fname)))
            for record, values in pending}
        related = {document for found in documents.values() for document in found}
        if self._name in relation or not all(isinstance(res_id, int) for _m, res_id in related):
            for record, values in pending:
                record._message_auto_subscribe(values, followers_existing_policy='update')
            return
        followed = defaultdict(list)  # {(model, id): [its followers]}: one query per model
        for model in {model for model, _res_id in related}:
            for _fol, res_id, partner_id, subtype_ids, pshare, active in \
                    self.env['mail.followers']._get_subscription_data(
                        [(model, sorted(res_id for doc_model, res_id in related
                                        if doc_model == model))],
                        None, include_pshare=True, include_active=True):
                followed[model, res_id].append((partner_id, subtype_ids, pshare, active))
        groups = {}
        for record, values in pending:
            rows = [row for document in documents[record] for row in followed[document]]
            if len({partner_id for partner_id, *_rest in rows}) < len(rows):
                # A partner following two of its documents: Odoo keeps the subtypes of the
                # one its query returns last.
                record._message_auto_subscribe(values, followers_existing_policy='update')
                continue
            new_partner_subtypes = {}
            for partner_id, subtype_ids, pshare, active in rows:
                sids = [parent[sid] for sid in subtype_ids if parent.get(sid)]
                sids += [sid for sid in subtype_ids if sid not in parent and sid in child_ids]
                if partner_id and active:
                    new_partner_subtypes[partner_id] = \
                        set(sids) - set(all_int_ids) if pshare else set(sids)
            auto = record._message_auto_subscribe_followers(values, def_ids)
            if any(template or not isinstance(sids, (list, tuple, set, frozenset))
                   for _partner_id, sids, template in auto):
                record._message_auto_subscribe(values, followers_existing_policy='update')
                continue
            for partner_id, sids, _template in auto:
                new_partner_subtypes.setdefault(partner_id, sids)
            if not new_partner_subtypes:
                continue  # Odoo inserts nothing then
            key = frozenset((partner_id, frozenset(sids))
                            for partner_id, sids in new_partner_subtypes.items())
            groups.setdefault(key, (record, new_partner_subtypes, []))[2].append(record.id)
        for record, new_partner_subtypes, res_ids in groups.values():
            record.env['mail.followers']._insert_followers(
                self._name, res_ids, list(new_partner_subtypes), subtypes=new_partner_subtypes,
                check_existing=True, existing_policy='update')

    def _service_prepare_posting_chatter(self):
        """Before these invoices are posted: their tracking message written per chunk
        (``_message_track``), and their customers' ranks read at once (Odoo's posting raises
        each customer's rank, reading it customer by customer)."""
        if not self:
            return
        partners = self.partner_id
        (partners | partners.commercial_partner_id).fetch(['customer_rank'])
        if self._service_chatter_batched():
            self.env.cr.precommit.data.setdefault(BATCHED_TRACKING_KEY, set()).update(self.ids)

    @contextmanager
    def _service_ranks_batched(self):
        """While Odoo posts these invoices, the first ranks of their customers are gathered
        and written together at the end (``res.partner._increase_rank``); one by one as Odoo
        writes them where the batches take Odoo's standard path (``_service_chatter_batched``)."""
        cache = self.env.cr.cache
        # A posting inside a posting: the outer one writes.
        if PENDING_RANKS_KEY in cache or not self._service_chatter_batched():
            yield
            return
        cache[PENDING_RANKS_KEY] = {}
        try:
            yield
            self.env['res.partner']._service_write_pending_ranks()
        finally:
            cache.pop(PENDING_RANKS_KEY, None)

    def _service_message_post_batch(self, posts):
        """``posts``: [(record, message_post keyword arguments)] in order, each what
        ``record.message_post(**kwargs)`` would do (``log``: ``record._message_log(**kwargs)``).
        Those Odoo would notify in the inbox only, or not at all, are created together with
        the values ``message_post`` computes; the others take ``message_post`` itself, in
        their place in the order."""
        if not posts:
            return
        records = self.browse([record.id for record, _kwargs in posts]).sudo()
        author_id, email_from = records._message_compute_author(None, None)
        author_ids = {kwargs['author_id'] for _record, kwargs in posts} - {None}
        authors = {None: (author_id, email_from)} | {
            partner_id: records._message_compute_author(partner_id, None)
            for partner_id in author_ids}
        alias_domains = records._mail_get_alias_domains(default_company=self.env.company)
        companies = records._mail_get_companies(default=self.env.company)
        reply_to = {}
        for key, (partner_id, email) in authors.items():
            reply_to[key] = records._notify_get_reply_to(default=email, author_id=partner_id)
        parents = records._service_thread_parents()
        recipients = {}
        for subtype_id in {kwargs.get('subtype_id') for _record, kwargs in posts} - {None}:
            recipients[subtype_id] = self.env['mail.followers']._get_recipient_data(
                records, 'notification', subtype_id)
        pending = []

        def create_pending():
            if not pending:
                return
            # The tracking values created together too (as one2many commands, one INSERT
            # per message): the same rows, in the same order.
            messages = records._message_create([
                {key: value for key, value in values.items() if key != 'tracking_value_ids'}
                for _record, values, _notify in pending])
            self.env['mail.tracking.value'].sudo().create([
                {**command[2], 'mail_message_id': message.id}
                for message, (_record, values, _notify) in zip(messages, pending, strict=True)
                for command in values.get('tracking_value_ids') or ()])
            for message, (record, values, notify) in zip(messages, pending, strict=True):
                record._message_post_after_hook(message, values)
                if notify:
                    record._notify_thread(message, values)
            pending.clear()

        for record, kwargs in posts:
            record = record.sudo()._fallback_lang()
            kwargs = dict(kwargs)
            if kwargs.pop('log', False):
                create_pending()
                record._message_log(**kwargs)
                continue
            partner_id, email = authors[kwargs['author_id']]
            real_author = record._message_compute_real_author(partner_id).id
            others = [data for pid, data in recipients[kwargs['subtype_id']]
                      .get(record.id, {}).items()
                      if pid != real_author and data['active'] is not False]
            if any(data['notif'] != 'inbox' for data in others):
                create_pending()
                record.message_post(**kwargs)
                continue
            values = {
                'email_add_signature': True,
                'author_id': partner_id, 'author_guest_id': False, 'email_from': email,
                'model': record._name, 'res_id': record.id,
                'body': escape(kwargs.get('body', '')), 'message_type': 'notification',
                'parent_id': parents.get(record.id, False), 'subject': False,
                'subtype_id': kwargs['subtype_id'], 'partner_ids': [],
                'incoming_email_to': False, 'incoming_email_cc': False,
                'outgoing_email_to': False,
                'record_alias_domain_id': alias_domains[record.id].id,
                'record_company_id': companies[record.id].id,
                'reply_to': reply_to[kwargs['author_id']][record.id],
            }
            if kwargs.get('tracking_value_ids'):
                values['tracking_value_ids'] = kwargs['tracking_value_ids']
            values.update(record._process_attachments_for_post(None, [], values))
            pending.append((record, values, bool(others)))
        create_pending()

    def _service_thread_parents(self):
        """{record id: the message a new message of each record replies to}, as
        ``mail.thread._message_compute_parent_id`` finds it for each (a flat thread: the
        newest comment or email among its 200 newest messages, else the newest message)."""
        if not self._mail_flat_thread:
            return {}
        messages = self.env['mail.message'].sudo().search_fetch([
            ('model', '=', self._name), ('res_id', 'in', self.ids),
            ('message_type', '!=', 'user_notification'),
        ], ['res_id', 'message_type', 'date'], order='date desc, id desc')
        newest = defaultdict(list)
        for message in messages:
            if len(newest[message.res_id]) < 200:
                newest[message.res_id].append(message)
        return {
            res_id: max(found, key=lambda msg: (msg.message_type in ('comment', 'email'),
                                                msg.date, msg.id)).id
            for res_id, found in newest.items()
        }
