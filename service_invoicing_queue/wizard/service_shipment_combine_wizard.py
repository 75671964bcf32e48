from odoo import fields, models


class ServiceShipmentCombineWizard(models.TransientModel):
    _inherit = 'service.shipment.combine.wizard'

    run_id = fields.Many2one('service.invoicing.run', string="Queued Run", readonly=True)

    def action_create(self):
        """Create: more shipment lines than one job's chunk go to the job queue (one job per
        chunk of customers, on every server with a job runner) and the run opens, where the
        result shows once its last job ends; fewer are invoiced here, as without the queue."""
        self.ensure_one()
        Run = self.env['service.invoicing.run']
        items, left = self._items()
        if len(items) <= Run._chunk_size():
            return super().action_create()
        run = Run._enqueue_combine_run(
            items, left, self.date_to, self.posting_date, document_date=self.document_date,
            post=self.post_invoices or self.send_invoices, send=self.send_invoices,
            companies=self.company_ids,
            standard_payment_terms_only=self.standard_payment_terms_only,
            deduct_down_payments=self.deduct_down_payments)
        self.write({'state': 'done', 'run_id': run.id, 'result_message': self.env._(
            "%(count)s shipment lines queued in %(jobs)s jobs on the channel "
            "root.service_invoicing: the run %(run)s shows the result when its last job "
            "ends.", count=len(items), jobs=len(run.sudo().chunk_ids), run=run.sudo().name)})
        return {
            'type': 'ir.actions.act_window', 'res_model': run._name, 'res_id': run.id,
            'view_mode': 'form', 'views': [(False, 'form')], 'target': 'current',
            'name': run.sudo().name,
        }
