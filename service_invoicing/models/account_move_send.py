"""Odoo's invoice sending, as the sending workers use it (see ``account_move_sending.py``).

The invoice email that a sending makes is remembered on its invoice, whoever sends it (the
sending workers, Odoo's Send, Odoo's own sending job): the workers never email an invoice
whose email went out, and an invoice whose email failed follows the one a user sends by hand.

Odoo's Send on several invoices queues them for the sending workers (woken at once) and says
how many were queued; Send on an invoice already emailed says when and to whom and asks before
emailing it again; where no scheduled action runs, the Send window says that queued invoices
wait. Odoo's own sending job does not email an invoice paid since it was queued either.
"""

from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = 'account.move.send'

    @api.model
    def _send_mail(self, move, mail_template, **kwargs):
        # The message this posts is the invoice email (account.move.message_post keeps it).
        return super()._send_mail(
            move.with_context(service_invoice_email_of=move.id), mail_template, **kwargs)

    @api.model
    def _hook_if_errors(self, moves_data, allow_raising=True):
        # Odoo posts the error in the chatter and takes the invoice off its queue; a sending
        # worker keeps it on the invoice, to try again and to show it.
        if self.env.context.get('service_sending'):
            for move, move_data in moves_data.items():
                move.service_send_error = self._format_error_text(move_data['error'])
        return super()._hook_if_errors(moves_data, allow_raising=allow_raising)

    @api.model
    def _generate_and_send_invoices(self, moves, from_cron=False, **kwargs):
        # Odoo's own sending job ("Send invoices automatically") looks at each queued invoice
        # again, as the sending workers do (they have looked already).
        if from_cron and not self.env.context.get('service_sending'):
            for move in moves:
                reason = move._service_why_not_send()
                if reason:
                    move._service_record_skipped(reason)
                    moves -= move
            if not moves:
                return self.env['ir.attachment']
        return super()._generate_and_send_invoices(moves, from_cron=from_cron, **kwargs)

    @api.model
    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        emailed = [text for text in (move._service_emailed_text() for move in moves) if text]
        if emailed:
            alerts['service_already_emailed'] = {
                'level': 'warning',
                'message': self.env._("%(emailed)s Send Again emails it once more.",
                                      emailed=" ".join(emailed)),
            }
        if len(moves) > 1 and not moves._service_cron_runs():
            alerts['service_sending_waits'] = {
                'level': 'warning', 'message': moves._service_wait_text()}
        return alerts

