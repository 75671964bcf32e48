"""Odoo's invoice sending, as the sending workers use it (see ``account_move_sending.py``).

The invoice email that a sending makes is remembered on its invoice, whoever sends it (the
sending workers, Odoo's Send, Odoo's own sending job): the workers never email an invoice
whose email went out, and an invoice whose email failed follows the one a user sends by hand.
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
