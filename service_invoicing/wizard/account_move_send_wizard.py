"""Odoo's Send windows (one invoice, several invoices): Send on several invoices queues them for
the sending workers, woken at once, and says how many were queued; Send on an invoice emailed
before asks first (``account.move._service_check_resend``, which the API meets too). The
alerts (emailed before, queued invoices that wait) are ``account.move.send._get_alerts``.
"""

from odoo import api, fields, models


class AccountMoveSendWizard(models.TransientModel):
    _inherit = 'account.move.send.wizard'

    service_emailed = fields.Boolean(
        compute='_compute_service_emailed',
        help="The invoice was emailed before: Send Again asks before emailing it once more.")

    @api.depends('move_id')
    def _compute_service_emailed(self):
        for wizard in self:
            wizard.service_emailed = bool(wizard.move_id._origin._service_emailed_text())

    def action_send_and_print(self, allow_fallback_pdf=False):
        if 'email' in (self.sending_methods or []):
            self.move_id._service_check_resend()
        return super().action_send_and_print(allow_fallback_pdf=allow_fallback_pdf)


class AccountMoveSendBatchWizard(models.TransientModel):
    _inherit = 'account.move.send.batch.wizard'

    service_emailed = fields.Boolean(
        compute='_compute_service_emailed',
        help="Some invoices were emailed before: Send Again asks before emailing them once "
             "more.")

    @api.depends('move_ids')
    def _compute_service_emailed(self):
        for wizard in self:
            wizard.service_emailed = any(
                move._service_emailed_text() for move in wizard.move_ids._origin)

    def action_send_and_print(self, force_synchronous=False, allow_fallback_pdf=False):
        """Queue the invoices for the sending workers, woken at once, and say how many."""
        self.ensure_one()
        self.move_ids._service_check_resend()
        if force_synchronous:
            return super().action_send_and_print(
                force_synchronous=force_synchronous, allow_fallback_pdf=allow_fallback_pdf)
        if self.alerts:
            self._raise_danger_alerts(self.alerts)
        queued = self.move_ids._service_queue_sending(
            resend=bool(self.env.context.get('service_confirm_resend')))
        count = len(queued)
        message = self.env._("%(count)s invoices queued for sending.", count=count) \
            if count != 1 else self.env._("1 invoice queued for sending.")
        wait = queued._service_wait_text()
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'warning' if wait else 'success',
                'title': self.env._("Sending invoices"),
                'message': " ".join(filter(None, [message, wait])),
                'sticky': bool(wait),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }
