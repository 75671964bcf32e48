"""Queued invoice sending that several workers share, so that every core renders PDFs.

Odoo queues the invoices to send (``sending_data``) and its scheduled action renders and
emails them, ten at a time, in one worker. With Debian's wkhtmltopdf (unpatched Qt) each PDF
is one renderer call of about a second, so one worker leaves the other cores idle. Here any
number of workers (processes, cron workers) take a few queued invoices each, locked with
``SKIP LOCKED`` so no invoice is taken twice, render and send them with Odoo's own sending,
and commit: the invoicing transaction never waits on the renderer.
"""

import logging

from odoo import api, models

from ..const import SENDING_BATCH, SENDING_QUEUE_WINDOW
from ..tools.locking import try_lock

_logger = logging.getLogger(__name__)



class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _service_send_queued_invoices(self, batch_size=SENDING_BATCH, limit=None):
        """Render and email queued invoices until none is left (or ``limit`` are sent).

        Safe to run in several workers at once: each invoice is claimed by one of them only.
        Each batch is committed, and its emails leave through Odoo's mail queue once
        committed. Returns the number of invoices this worker processed.
        """
        processed = 0
        while limit is None or processed < limit:
            size = batch_size if limit is None else min(batch_size, limit - processed)
            moves = self._service_claim_queued_invoices(size)
            if not moves:
                break
            self.env['account.move.send']._generate_and_send_invoices(moves, from_cron=True)
            processed += len(moves)
            if not self.env['ir.cron']._commit_progress(len(moves)):
                # Odoo says the job's time is up: the rest stays queued for its next run.
                break
        return processed

    @api.model
    def _service_claim_queued_invoices(self, size):
        """Lock up to ``size`` posted invoices waiting to be sent that no other worker holds.

        Odoo's transactions see the database as it was when they began: an invoice another
        worker sent and committed since then cannot be locked here. The sending commits per
        batch anyway, so it commits and looks again (it stops after three tries: the invoices
        stay queued for the next run).
        """
        for _attempt in range(3):
            # The oldest of the queue; SKIP LOCKED leaves those other workers hold.
            queue = self.search([('sending_data', '!=', False), ('state', '=', 'posted')],
                                order='id', limit=SENDING_QUEUE_WINDOW)
            moves = try_lock(queue, allow_referencing=True, limit=size)
            if moves is not None:
                # Read their queue state as locked (another worker may have sent them).
                moves.invalidate_recordset(['sending_data'])
                return moves.filtered('sending_data')
            # Another worker sent some since this transaction began: nothing is pending
            # here, so commit and look at the queue afresh.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return self.browse()
