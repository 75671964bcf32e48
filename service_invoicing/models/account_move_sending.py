"""The sending status of an invoice, ``service_sending_status``: not sent, queued, sending,
retrying, sent (on a date, to someone), failed or skipped, with the attempts, the reason and the
next try, kept by the sending workers (``account_move_sending_worker.py``), shown on the invoice
and in the list.

An invoice queued for sending is looked at again before it is emailed: one reset to draft,
cancelled, or paid (or credited in full) since it was queued is not emailed as a demand for
payment; the chatter says why (``_service_why_not_send``).

A failure is never lost: a temporary one is tried again, each wait twice the one before
(starting at the pause, at most an hour); a permanent one, or the last of
``service_invoicing.send_max_attempts`` tries, makes the invoice *Failed* with an activity
for its salesperson, until *Send Again*. A mail server that refuses for now pauses every
worker for ``service_invoicing.send_pause_seconds``.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config, format_datetime

from ..const import SENDING_CRON_CODE, SENDING_STATUSES
from ..tools.sending_failures import DEFAULT_MAX_ATTEMPTS, DEFAULT_PAUSE_SECONDS, retry_delay
from ..tools.trusted import trusted

_logger = logging.getLogger(__name__)

# Payment states of an invoice that is no longer a demand for payment.
SETTLED_PAYMENT_STATES = ('paid', 'in_payment', 'reversed')
# Keys of ``sending_data`` written by ``_service_queue_sending``.
PAID_WHEN_QUEUED = 'service_paid_when_queued'
RESEND = 'service_resend'
SENDING_FAILED_ACTIVITY = 'service_invoicing.mail_activity_type_invoice_sending_failed'
PAUSE_PARAM = 'service_invoicing.send_pause_seconds'
MAX_ATTEMPTS_PARAM = 'service_invoicing.send_max_attempts'


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    service_sending_status = fields.Selection(
        SENDING_STATUSES, string="Sending Status", copy=False, readonly=True, store=True,
        compute='_compute_service_sending_status', index='btree_not_null',
        help="Not Sent: never emailed. Queued: waiting for a sending worker (a scheduled "
             "action). Sending: the email is in Odoo's mail queue. Retrying: a try failed; "
             "the workers try again at the next try. Sent: the mail server accepted the "
             "invoice email (Sent On, Sent To), or the invoice was marked sent (the customer's "
             "invoice sending is Manual: the PDF is ready). Failed: the workers gave up; the "
             "error says what to correct before Send Again. Skipped: queued, then paid, "
             "cancelled or reset to draft before it went: not emailed (the chatter says why).")
    service_send_attempts = fields.Integer(string="Sending Attempts", copy=False, readonly=True)
    service_send_error = fields.Text(string="Sending Error", copy=False, readonly=True)
    service_send_next_try = fields.Datetime(string="Next Sending Try", copy=False, readonly=True)
    # When the mail server last refused an email for now: every worker waits a pause after it.
    service_send_refused_at = fields.Datetime(copy=False, readonly=True, index='btree_not_null')
    service_send_message_id = fields.Many2one(
        'mail.message', string="Invoice Email", copy=False, readonly=True, ondelete='set null')
    # Odoo's sending settings as queued (author, methods), kept to render again on a retry.
    service_sending_data = fields.Json(copy=False)
    service_sent_on = fields.Datetime(
        string="Sent On", copy=False, readonly=True, store=True,
        compute='_compute_service_sending_status',
        help="When the last invoice email was made.")
    service_sent_to = fields.Char(
        string="Sent To", copy=False, readonly=True, store=True,
        compute='_compute_service_sending_status',
        help="Who the last invoice email went to.")

    @api.depends('sending_data', 'state', 'is_move_sent', 'service_send_message_id',
                 'move_type')
    def _compute_service_sending_status(self):
        """Follow Odoo's queue (``sending_data``) and what Odoo records of a sending (marked
        sent, its email); the workers write the outcome of each try themselves."""
        for move in self:
            message = move.service_send_message_id.sudo()
            move.service_sent_on = message.date
            move.service_sent_to = ", ".join(
                partner.email or partner.name for partner in message.partner_ids) or False
            status = move.service_sending_status
            if not move.is_sale_document(include_receipts=True):
                move.service_sending_status = False
                continue
            if move.sending_data and move.state == 'posted':
                if status != 'sent':  # queued twice: it stays sent
                    status = 'queued'
            elif status == 'queued' or (status == 'retrying' and move.state != 'posted'):
                # Taken off the queue by another sender (Odoo's own job: the workers follow its
                # email), or reset to draft.
                status = 'sending' if message and move.state == 'posted' else False
            if status in (False, 'not_sent'):
                status = 'sent' if move.is_move_sent or message else 'not_sent'
            move.service_sending_status = status

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        if len(self) == 1 and self.env.context.get('service_invoice_email_of') == self.id:
            self._service_invoice_email_made(message)
        return message

    def action_service_send_again(self):
        """Send Again: queue the email of invoices whose sending failed (or is being retried)
        once more, with a new set of tries, in the name of the current user."""
        moves = self.filtered(lambda move: move.state == 'posted'
                              and move.service_sending_status in ('failed', 'retrying'))
        if moves != self:
            raise UserError(self.env._(
                "Send Again queues posted invoices whose sending failed or is being retried; "
                "%(invoices)s is not one.",
                invoices=", ".join((self - moves).mapped('display_name'))))
        trusted(moves.sudo()).write({'service_send_attempts': 0, 'service_send_next_try': False})
        moves._service_queue_sending()
        return True

    def _service_queue_sending(self, resend=False):
        """Queue the posted invoices for the sending workers (see ``account_move.py``),
        remembering whether each was paid when queued: the workers do not email an invoice
        paid since then (``_service_why_not_send``). ``resend`` emails again invoices that were
        emailed before (the user confirmed it); otherwise the workers never email one twice.
        Returns the invoices queued."""
        super()._service_queue_sending()
        posted = self.filtered(lambda move: move.state == 'posted')
        if not posted:
            return posted
        settled = posted.filtered(lambda move: move.payment_state in SETTLED_PAYMENT_STATES)
        for moves, paid in ((settled, True), (posted - settled, False)):
            if moves:
                moves.sending_data = {**moves[0].sending_data, PAID_WHEN_QUEUED: paid,
                                      **({RESEND: True} if resend else {})}
        if resend:
            again = posted.filtered(lambda move: move.service_sending_status == 'sent')
            trusted(again.sudo()).write({'service_sending_status': 'queued'})
        return posted

    @api.model
    def _service_cron_runs(self):
        """Whether this Odoo server runs scheduled actions (cron threads): without them, queued
        invoices wait until someone runs the sending action."""
        return bool(config.get('max_cron_threads'))

    def _service_wait_text(self):
        if self._service_cron_runs():
            return ""
        return self.env._(
            "No scheduled actions run on this Odoo server (max_cron_threads is 0): queued "
            "invoices wait until the scheduled action \"Service Invoicing: Send Queued "
            "Invoices\" runs (Settings > Technical > Scheduled Actions > Run Manually), or until "
            "Odoo is started with cron threads.")

    def _service_emailed_text(self):
        """When and to whom this invoice was emailed (or that it was marked sent), if it was."""
        self.ensure_one()
        message = self.service_send_message_id.sudo()
        if message:
            return self.env._(
                "%(invoice)s was already emailed on %(date)s to %(recipients)s.",
                invoice=self.display_name, date=format_datetime(self.env, message.date),
                recipients=", ".join(
                    partner.email or partner.name for partner in message.partner_ids)
                or self.env._("nobody"))
        if self.is_move_sent or self.service_sending_status == 'sent':
            return self.env._("%(invoice)s was already sent (it is marked as sent).",
                              invoice=self.display_name)
        return ""

    def _service_check_resend(self):
        """Sending invoices already emailed again needs the user's confirmation (the Send
        window asks for it): nothing, RPC included, emails an invoice twice by mistake."""
        if self.env.context.get('service_confirm_resend'):
            return
        texts = [text for text in (move._service_emailed_text() for move in self) if text]
        if texts:
            raise UserError(self.env._(
                "%(emailed)s Confirm with Send Again in the Send window to email it once "
                "more.", emailed=" ".join(texts)))

    def _service_why_not_send(self):
        """Why this invoice, queued for sending, is not to be emailed now, or "": reset to
        draft or cancelled, or paid (or credited in full) since it was queued. An accountant
        does not send a paid invoice as a demand for payment."""
        self.ensure_one()
        if self.state != 'posted':
            return self.env._(
                "%(invoice)s was not emailed: it is %(state)s now, not posted as when it was "
                "queued for sending.", invoice=self.display_name,
                state=dict(self._fields['state']._description_selection(self.env))[self.state])
        data = self.sending_data or self.service_sending_data or {}
        if self.payment_state in SETTLED_PAYMENT_STATES and not data.get(PAID_WHEN_QUEUED):
            status = dict(self._fields['payment_state']._description_selection(self.env))
            return self.env._(
                "%(invoice)s was not emailed: it was queued for sending, then %(status)s "
                "before it went. A paid invoice is not sent as a demand for payment; use Send "
                "to email it anyway.", invoice=self.display_name,
                status=status[self.payment_state])
        return ""

    def _service_record_skipped(self, reason):
        """Not emailed, and why (in the chatter): taken off the queue."""
        _logger.info("%s", reason)
        self.message_post(body=reason)
        trusted(self.sudo()).write({
            'service_sending_status': 'skipped', 'sending_data': False,
            'service_sending_data': False, 'service_send_next_try': False})

    def button_draft(self):
        queued = self.filtered(lambda move: move.state == 'posted' and (
            move.sending_data or move.service_sending_status in ('queued', 'retrying')))
        result = super().button_draft()
        for move in queued:
            move.message_post(body=self.env._(
                "%(invoice)s was reset to draft (or cancelled) while queued for sending: it was "
                "not emailed.",
                invoice=move.display_name))
        return result

    def _get_alerts(self):
        alerts = super()._get_alerts()
        if 'account_is_being_sent' in alerts and not self._service_cron_runs():
            alerts['account_is_being_sent'] = {
                'level': 'warning',
                'message': self.env._("This invoice is queued for sending. %(wait)s",
                                      wait=self._service_wait_text()),
            }
        return alerts

    # --- the outcome of each try -----------------------------------------------------------

    def _service_invoice_email_made(self, message):
        """Odoo's sending made ``message``, the invoice email (a worker's, Odoo's Send, Odoo's
        own job): the workers judge the invoice by its delivery from now on.

        Made by Odoo's Send (one invoice, at once) or its own job, the email only waits in
        Odoo's mail queue: Odoo hands it to the mail server after the commit and forgets it.
        The invoice shows Sending until the workers find it delivered (Sent) or refused
        (Retrying, Failed), never Sent before the mail server took it."""
        values = {'service_send_message_id': message.id}
        if not self.env.context.get('service_sending') and self.state == 'posted':
            # The workers follow this email (instead of theirs, after a failure).
            values.update(service_sending_status='sending', service_send_next_try=False)
            self._service_wake_sending_workers_at_commit()
        trusted(self.sudo()).write(values)

    def _service_record_sent(self, attempted=True):
        """The mail server accepted the invoice email: a failure before is resolved."""
        had_error = bool(self.service_send_error)
        values = {'service_sending_status': 'sent', 'service_send_error': False,
                  'service_send_next_try': False, 'sending_data': False,
                  'service_sending_data': False}
        if attempted:
            values['service_send_attempts'] = self.service_send_attempts + 1
        trusted(self).write(values)
        if had_error:
            self.activity_feedback([SENDING_FAILED_ACTIVITY], feedback=self.env._(
                "Resolved: the invoice email was delivered."))

    def _service_record_already_sent(self):
        """Emailed before (its email went out, or Odoo's Send marked it sent): never again."""
        if self.sending_data:
            _logger.info("%s was already emailed: not emailed again", self.display_name)
            self.message_post(body=self.env._(
                "Queued for sending again, but this invoice was already emailed: the sending "
                "workers do not email it twice. Use Send to email it once more."))
        self._service_record_sent(attempted=False)

    def _service_record_pending(self, mails):
        """The email waits in Odoo's mail queue (a personal mail server's hourly limit, a user's
        own send): Odoo sends it; the workers look at it again later."""
        scheduled = [mail.scheduled_date for mail in mails.exists() if mail.scheduled_date]
        later = fields.Datetime.now() + timedelta(seconds=max(self._service_pause_seconds(), 60))
        trusted(self).write({'service_sending_status': 'sending', 'sending_data': False,
                    'service_send_next_try': max([later, *scheduled])})

    def _service_record_failure(self, failure):
        """Keep a failed try on the invoice: retried later while temporary and under the
        attempts limit, else Failed with an activity for the salesperson. Returns ``failure``."""
        attempts = self.service_send_attempts + 1
        now = fields.Datetime.now()
        values = {'service_send_attempts': attempts, 'sending_data': False}
        if failure.server and failure.temporary:
            values['service_send_refused_at'] = now
        if failure.temporary and attempts < self._service_max_attempts():
            delay = retry_delay(attempts, self._service_pause_seconds())
            values.update(service_sending_status='retrying',
                          service_send_next_try=now + timedelta(seconds=delay),
                          service_send_error=self._service_failure_text(failure))
            _logger.info("Sending %s failed (attempt %s), next try in %s s: %s",
                         self.display_name, attempts, delay, failure.reason)
        else:
            error = self._service_failure_text(failure, attempts=attempts)
            values.update(service_sending_status='failed', service_send_next_try=False,
                          service_send_error=error)
            _logger.warning("Sending %s failed (attempt %s), given up: %s",
                            self.display_name, attempts, failure.reason)
            self._service_schedule_failed_activity(error)
        trusted(self).write(values)
        return failure

    def _service_failure_text(self, failure, attempts=None):
        if failure.server:
            if failure.temporary:
                text = self.env._("The mail server refused the invoice email for now: %(reply)s",
                                  reply=failure.reason)
            else:
                text = self.env._(
                    "The mail server refused the invoice email: %(reply)s. Correct the "
                    "customer's email address (or the outgoing mail server), then use Send "
                    "Again.", reply=failure.reason)
        else:
            text = failure.reason
        if failure.temporary and attempts:
            text = self.env._("Given up after %(attempts)s attempts. %(error)s",
                              attempts=attempts, error=text)
        return text

    def _service_schedule_failed_activity(self, error):
        activity_type = self.env.ref(SENDING_FAILED_ACTIVITY, raise_if_not_found=False)
        if not activity_type or self.activity_ids.filtered(
                lambda activity: activity.activity_type_id == activity_type):
            return
        author = self.env['res.users'].browse(
            (self.service_sending_data or {}).get('author_user_id')).exists()
        user = self.invoice_user_id or author or self.env.user
        self.sudo().activity_schedule(SENDING_FAILED_ACTIVITY, note=error, user_id=user.id)

    # --- pause and wake-up ----------------------------------------------------------------------

    @api.model
    def _service_sending_paused_until(self):
        """The end of the pause that the mail server's last temporary refusal started, if it
        is still on."""
        pause = self._service_pause_seconds()
        if pause <= 0:
            return None
        now = fields.Datetime.now()
        refused = self.sudo().search(
            [('service_send_refused_at', '>', now - timedelta(seconds=pause))],
            order='service_send_refused_at desc', limit=1)
        return refused.service_send_refused_at + timedelta(seconds=pause) if refused else None

    @api.model
    def _service_wake_sending_workers(self, at):
        """Every sending worker (copies made by the administrator included) runs at ``at``."""
        for worker in self.env['ir.cron'].sudo().search(
                [('code', '=', SENDING_CRON_CODE), ('active', '=', True)]):
            worker._trigger(at)

    @api.model
    def _service_wake_sending_workers_at_commit(self):
        """Every sending worker runs once this transaction is committed (one wake-up however
        many invoices asked for it)."""
        key = 'service_invoicing.wake_sending_workers'
        if not self.env.cr.precommit.data.get(key):
            self.env.cr.precommit.data[key] = True
            self.env.cr.precommit.add(
                lambda: self._service_wake_sending_workers(fields.Datetime.now()))

    @api.model
    def _service_wake_for_next_try(self):
        """The workers wake up for the earliest next try still to come."""
        following = self.sudo().search(
            [('service_sending_status', 'in', ('retrying', 'sending')),
             ('service_send_next_try', '>', fields.Datetime.now())],
            order='service_send_next_try', limit=1)
        if following:
            self._service_wake_sending_workers(following.service_send_next_try)

    @api.model
    def _service_pause_seconds(self):
        return self._service_int_param(PAUSE_PARAM, DEFAULT_PAUSE_SECONDS)

    @api.model
    def _service_max_attempts(self):
        return max(self._service_int_param(MAX_ATTEMPTS_PARAM, DEFAULT_MAX_ATTEMPTS), 1)

    @api.model
    def _service_int_param(self, key, default):
        value = self.env['ir.config_parameter'].sudo().get_param(key)
        try:
            return int(value) if value not in (None, False, '') else default
        except ValueError:
            _logger.warning("System parameter %s is not a whole number: %r", key, value)
            return default
