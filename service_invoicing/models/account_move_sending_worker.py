"""Queued invoice sending that several workers share: each invoice emailed once, every
failure kept and tried again, a busy mail server waited for.

Odoo queues the invoices to send (``sending_data``) and its scheduled action renders and emails
them, ten at a time, in one worker, then forgets them: an email that the mail server refuses
stays a failed ``mail.mail`` that nothing sends again, and a render error is a note in the
chatter. Here any number of workers (cron jobs, processes) take a few queued invoices each,
locked with ``SKIP LOCKED`` so no invoice is taken twice, and for each one:

- an invoice paid, cancelled or reset to draft since it was queued is not emailed (the chatter
  says why);
- an invoice whose email went out (or waits in Odoo's mail queue) is not emailed again, unless
  the user confirmed sending it again;
- otherwise Odoo's own sending makes the PDF and the email, and the worker hands the email to
  the mail server at once (where Odoo would send it after the commit): it knows the answer;
- the answer is kept on the invoice (``account_move_sending.py``): sent, retrying or failed;
- a temporary refusal by the mail server (4xx, a rate limit) stops the batch: every worker
  pauses, the run ends normally, and the workers are woken when the pause is over.

Each batch is committed: the invoicing transaction never waits on the renderer.
"""

import logging
import smtplib

from odoo import api, fields, models

from ..const import SENDING_BATCH, SENDING_QUEUE_WINDOW
from ..tools.locking import try_lock
from ..tools.sending_failures import Failure, mail_failure
from ..tools.trusted import trusted
from .account_move_sending import RESEND

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _service_send_queued_invoices(self, batch_size=SENDING_BATCH, limit=None):
        """Send queued invoices (and those whose next try has come) until none is left, or
        ``limit`` are done, or the mail server asks to wait.

        Safe to run in several workers at once: each invoice is claimed by one of them only.
        Each batch is committed. A mail server that refuses for now pauses every worker; the
        run ends normally and the workers are woken at the end of the pause. Returns the
        number of invoices this worker processed.
        """
        processed = 0
        while limit is None or processed < limit:
            paused_until = self._service_sending_paused_until()
            if paused_until:
                _logger.info("Invoice sending paused until %s (the mail server asked to wait)",
                             paused_until)
                self._service_wake_sending_workers(paused_until)
                break
            size = batch_size if limit is None else min(batch_size, limit - processed)
            moves = self._service_claim_queued_invoices(size)
            if not moves:
                break
            done = 0
            for move in moves:
                failure = move._service_send_one()
                done += 1
                if failure and failure.server and failure.temporary:
                    break  # the rest of the batch stays queued: the pause starts now
            processed += done
            if not self.env['ir.cron']._commit_progress(done):
                # Odoo says the job's time is up: the rest stays queued for its next run.
                break
        self._service_wake_for_next_try()
        return processed

    @api.model
    def _service_claim_queued_invoices(self, size):
        """Lock up to ``size`` posted invoices due for sending that no other worker holds:
        queued ones, and those whose next try has come.

        Odoo's transactions see the database as it was when they began: an invoice another
        worker sent and committed since then cannot be locked here. The sending commits per
        batch anyway, so it commits and looks again (it stops after three tries: the invoices
        stay queued for the next run).
        """
        for _attempt in range(3):
            now = fields.Datetime.now()
            # The oldest of the queue; SKIP LOCKED leaves those other workers hold.
            queue = self.search(self._service_sending_queue_domain(now), order='id',
                                limit=SENDING_QUEUE_WINDOW)
            moves = try_lock(queue, allow_referencing=True, limit=size)
            if moves is not None:
                # Read them as locked (another worker may have sent them).
                moves.invalidate_recordset(
                    ['sending_data', 'service_sending_status', 'service_send_next_try'])
                return moves.filtered(lambda move, now=now: move._service_due(now))
            # Another worker sent some since this transaction began: nothing is pending
            # here, so commit and look at the queue afresh.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return self.browse()

    def _service_send_one(self):
        """Email this claimed invoice once, or keep why not. Returns the failure, or None."""
        self.ensure_one()
        if self.sending_data and self.sending_data != self.service_sending_data:
            trusted(self).service_sending_data = self.sending_data
        # Looked at again as it is now: paid or cancelled since it was queued, it does not go.
        reason = self.service_sending_status not in ('sending', 'sent') \
            and self._service_why_not_send()
        if reason:
            self._service_record_skipped(reason)
            return None
        # Sent again, as the user confirmed (Send on an invoice emailed before).
        resend = self.service_sending_status == 'queued' and (
            self.sending_data or self.service_sending_data or {}).get(RESEND)
        delivery, mails = self._service_email_delivery()
        if resend:
            delivery, mails = None, mails.browse()
        elif self.service_sending_status == 'sent' or delivery == 'sent' or (
                delivery is None and self.is_move_sent):
            self._service_record_already_sent()
            return None
        if delivery == 'pending':
            self._service_record_pending(mails)
            return None
        if delivery == 'failed' and self.service_sending_status == 'sending':
            # Sent by Odoo's own sending (its job, a user's Send) and refused: that was a try.
            return self._service_record_failure(self._service_mail_failure(mails))
        mails = mails.filtered(lambda mail: mail.state == 'exception')
        if mails:
            self._service_prepare_to_send_again(mails)
        else:
            result = self._service_render()
            if isinstance(result, Failure):
                return self._service_record_failure(result)
            if result is None:  # the customer's invoice sending is not by email
                self._service_record_sent()
                return None
            mails = result
        failure = self._service_deliver(mails)
        if failure:
            return self._service_record_failure(failure)
        return None

    def _service_render(self):
        """Odoo's own sending of this invoice: the PDF and the email, which stays unsent. Returns
        the email's outgoing mails, None when the customer's sending method is not email, or
        the Failure."""
        before, was_sent = self.service_send_message_id, self.is_move_sent
        if not self.sending_data:
            self.sending_data = self.service_sending_data or {
                'author_user_id': self.env.user.id,
                'author_partner_id': self.env.user.partner_id.id}
        methods = self.sending_data.get('sending_methods') \
            or self.env['account.move.send']._get_default_sending_methods(self)
        if self.service_send_error:
            self.service_send_error = False  # Odoo's error hook writes this attempt's own
        # Odoo's sending sends the email after the commit; here it stays for _service_deliver.
        move = self.with_context(service_sending=True, mail_notify_force_send=False)
        try:
            with self.env.cr.savepoint():
                move.env['account.move.send']._generate_and_send_invoices(move, from_cron=True)
        except MemoryError:
            raise
        except Exception as error:  # kept on the invoice, tried again
            _logger.info("Rendering or emailing %s failed", self.display_name, exc_info=True)
            return Failure(self.env._("The invoice could not be rendered or emailed: %(error)s",
                                      error=str(error) or type(error).__name__),
                           temporary=True, server=False)
        if self.service_send_message_id != before:
            _delivery, mails = self._service_email_delivery()
            return mails.filtered(lambda mail: mail.state == 'outgoing')
        if 'email' not in methods:
            return None
        # No email was made: Odoo's own error (kept by its hook), or nobody to send it to.
        if self.service_send_error:
            return self._service_no_email(Failure(
                self.service_send_error, temporary=True, server=False), was_sent)
        return self._service_no_email(self._service_no_recipient(), was_sent)

    def _service_no_email(self, failure, was_sent):
        if self.is_move_sent != was_sent:
            self.is_move_sent = was_sent  # Odoo marks it sent, but no email went out
        return failure

    def _service_no_recipient(self):
        return Failure(self.env._(
            "%(invoice)s has no recipient with an email address: add one to %(customer)s, then "
            "use Send Again.", invoice=self.display_name, customer=self.partner_id.display_name),
            temporary=False, server=False)

    def _service_deliver(self, mails):
        """Hand this invoice's email to the mail server now. Returns the Failure, or None."""
        try:
            if mails:
                mails.send(raise_exception=False)
        except smtplib.SMTPServerDisconnected as error:
            # Odoo lets this one through; the emails not sent are kept for the next try.
            mails.exists().filtered(lambda mail: mail.state != 'sent').write({
                'state': 'exception', 'failure_type': 'mail_smtp',
                'failure_reason': str(error) or "Connection unexpectedly closed"})
        delivery, mails = self._service_email_delivery()
        if delivery == 'failed':
            return self._service_mail_failure(mails)
        if delivery is None:  # an email to nobody
            return self._service_no_email(self._service_no_recipient(), False)
        if delivery == 'pending':
            self._service_record_pending(mails)  # Odoo delays it (a personal mail server)
        else:
            self._service_record_sent()
        return None

    def _service_mail_failure(self, mails):
        failed = mails.filtered(lambda mail: mail.state == 'exception')[:1]
        if failed:
            return mail_failure(failed.failure_type, failed.failure_reason)
        return Failure(self.env._("The email was not delivered."), temporary=True, server=False)

    def _service_email_delivery(self):
        """How this invoice's email fared: ``(delivery, mails)``; delivery is None without an
        email (or without any trace left of it), else 'sent', 'pending' (in Odoo's mail queue)
        or 'failed'; mails are the email's ``mail.mail`` still kept."""
        message = self.service_send_message_id.sudo()
        mails = self.env['mail.mail'].sudo()
        if not message:
            return None, mails
        mails = mails.search([('mail_message_id', '=', message.id)])
        # The customer's recipients decide; the followers' copies go along.
        customers = message.partner_ids
        own = mails.filtered(lambda mail: not customers or mail.recipient_ids & customers)
        states = set(own.mapped('state'))
        if 'exception' in states:
            return 'failed', mails
        if 'outgoing' in states:
            return 'pending', mails
        notifications = message.notification_ids.filtered(
            lambda notif: notif.notification_type == 'email'
            and (not customers or notif.res_partner_id in customers))
        if notifications:
            sent = all(notif.notification_status == 'sent' for notif in notifications)
            return ('sent' if sent else 'failed'), mails
        if own:
            return ('sent' if states <= {'sent', 'received'} else 'failed'), mails
        return None, mails

    def _service_prepare_to_send_again(self, mails):
        """The failed ``mails`` of this invoice's email go again, to the recipients who did not
        get them (Odoo's notifications say who did)."""
        delivered = self.service_send_message_id.sudo().notification_ids.filtered(
            lambda notif: notif.notification_type == 'email'
            and notif.notification_status == 'sent').res_partner_id
        for mail in mails:
            if mail.recipient_ids & delivered and mail.recipient_ids - delivered:
                mail.recipient_ids -= delivered
        mails.mark_outgoing()

    def _service_due(self, now):
        return self.state == 'posted' and (bool(self.sending_data) or (
            self.service_sending_status in ('retrying', 'sending')
            and (not self.service_send_next_try or self.service_send_next_try <= now)))

    @api.model
    def _service_sending_queue_domain(self, now):
        return [('state', '=', 'posted'), '|', ('sending_data', '!=', False),
                '&', ('service_sending_status', 'in', ('retrying', 'sending')),
                '|', ('service_send_next_try', '=', False), ('service_send_next_try', '<=', now)]
