import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class ServiceContract(models.Model):
    _inherit = 'service.contract'

    @api.model
    def _cron_create_contract_invoices(self):
        """Daily job: a run larger than one job's chunk goes to the job queue, where every
        Odoo server's job runner takes part; a smaller one runs here, as without the queue.
        A run of the daily job still queued is not queued twice; one of which a job failed
        or was cancelled (in queue_job's Jobs view) does not hold the next day's run."""
        today = fields.Date.context_today(self)
        Run = self.env['service.invoicing.run']
        contract_ids = self.search(self._invoicing_domain(today), order='id').ids
        if len(contract_ids) <= Run._chunk_size():
            return super()._cron_create_contract_invoices()
        if Run._daily_run_still_queued('cron'):
            _logger.info("Service contracts: the daily job's run is still queued")
            return Run.browse()
        self._refresh_stale_statistics()
        run = Run._enqueue_contract_run(contract_ids, today, today, 'cron')
        _logger.info("Service contracts: %d contracts queued in %d jobs (%s)",
                     len(contract_ids), len(run.sudo().chunk_ids), run.sudo().name)
        return run
