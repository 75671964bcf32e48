from odoo import fields, models


class ServiceContractInvoiceWizard(models.TransientModel):
    _inherit = 'service.contract.invoice.wizard'

    run_id = fields.Many2one('service.invoicing.run', string="Queued Run", readonly=True)

    def action_create_invoices(self):
        """Create: a run larger than one job's chunk goes to the job queue (one job per
        chunk, on every server with a job runner) and its run opens, where the result shows
        once its last job ends; a smaller run is done here, as without the queue."""
        self.ensure_one()
        Contract = self.env['service.contract']
        Run = self.env['service.invoicing.run']
        contract_ids = Contract.search(self._contract_domain(), order='id').ids
        if len(contract_ids) <= Run._chunk_size():
            return super().action_create_invoices()
        if self.bill_many_periods:
            Contract._check_may_bill_many_periods()
        Contract._refresh_stale_statistics()
        run = Run._enqueue_contract_run(
            contract_ids, self.invoice_to_date, self.posting_date, 'wizard',
            post=self.post_invoices or self.send_invoices, send=self.send_invoices,
            many_periods=self.bill_many_periods)
        self.write({'state': 'done', 'run_id': run.id, 'result_message': self.env._(
            "%(count)s contracts queued in %(jobs)s jobs on the channel "
            "root.service_invoicing: the run %(run)s shows the result when its last job "
            "ends.", count=len(contract_ids), jobs=len(run.sudo().chunk_ids),
            run=run.sudo().name)})
        return {
            'type': 'ir.actions.act_window', 'res_model': run._name, 'res_id': run.id,
            'view_mode': 'form', 'views': [(False, 'form')], 'target': 'current',
            'name': run.sudo().name,
        }
