import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class ServiceShipmentLine(models.Model):
    _inherit = 'service.shipment.line'

    @api.model
    def _cron_combine_shipments(self):
        """Optional daily job: more shipment lines than one job's chunk go to the job queue
        (jobs of customers, on every server with a job runner); fewer are combined here, as
        without the queue. A run of the daily job still queued is not queued twice; one of
        which a job failed or was cancelled does not hold the next day's run."""
        today = fields.Date.context_today(self)
        Run = self.env['service.invoicing.run']
        items, left = self._items_to_invoice(today)
        if len(items) <= Run._chunk_size():
            return super()._cron_combine_shipments()
        if Run._daily_run_still_queued('combine_cron'):
            _logger.info("Combine Shipments: the daily job's run is still queued")
            return Run.browse()
        run = Run._enqueue_combine_run(items, left, today, None, origin='combine_cron')
        _logger.info("Combine Shipments: %d shipment lines queued in %d jobs (%s)",
                     len(items), len(run.sudo().chunk_ids), run.sudo().name)
        return run
