"""One job of an invoicing run: a chunk of contracts (or of Combine Shipments customers), and
what its job did with them."""

from odoo import fields, models

from odoo.addons.queue_job.exception import RetryableJobError

# Seconds before queue_job runs a chunk again whose contracts another transaction changed
# since this one began.
RETRY_SECONDS = 2


class ServiceInvoicingRunChunk(models.Model):
    _name = 'service.invoicing.run.chunk'
    _description = "Invoicing Run Chunk (one job)"
    _order = 'run_id, sequence'

    run_id = fields.Many2one(
        'service.invoicing.run', required=True, ondelete='cascade', index=True)
    sequence = fields.Integer()
    contract_ids = fields.Many2many('service.contract', string="Contracts")
    partner_ids = fields.Many2many(
        'res.partner', string="Customers",
        help="Combine Shipments: the customers whose shipped lines this job invoices.")
    job_uuid = fields.Char(string="Job", index=True, readonly=True)
    state = fields.Selection([('queued', "Queued"), ('done', "Done")], default='queued')
    invoice_ids = fields.Many2many('account.move', string="Invoices Created")
    invoiced_count = fields.Integer(string="Contracts Invoiced")
    skipped_count = fields.Integer()
    failed_count = fields.Integer()
    result_message = fields.Text()

    def _run_chunk(self):
        """The job of this chunk: the contracts' due periods invoiced by the chunk method of
        the daily job, then what it did written on the chunk (its own row: jobs of the same
        run never wait on each other)."""
        self.ensure_one()
        run = self.sudo().run_id
        if run.origin in ('combine', 'combine_cron'):
            return self._run_combine_chunk()
        contracts = self.sudo().contract_ids.with_env(self.env)
        _locked, changed = contracts._lock_for_invoicing()
        if changed:
            # Committed by another transaction since this one began: queue_job runs the
            # chunk again in a fresh one, which sees (and skips) what the other billed.
            raise RetryableJobError(self.env._(
                "%(count)s contracts changed by another run meanwhile: chunk done again.",
                count=len(changed)), seconds=RETRY_SECONDS)
        result = contracts._create_contract_invoices(
            run.invoice_to_date, run.posting_date, post=run.post, send=run.send,
            many_periods=run.many_periods)
        messages = [error for _contract, error in result.failed] + result.notes
        self.sudo().write({
            'state': 'done',
            'invoice_ids': [fields.Command.set(result.invoices.ids)],
            'invoiced_count': len(result.invoiced),
            'skipped_count': len(result.skipped),
            'failed_count': len(result.failed),
            'result_message': '\n'.join(messages),
        })
        return self.env._("%(invoices)s invoices, %(skipped)s skipped, %(failed)s failed",
                          invoices=len(result.invoices), skipped=len(result.skipped),
                          failed=len(result.failed))

    def _run_combine_chunk(self):
        """The job of a Combine Shipments chunk: its customers' shipped lines invoiced by
        the method Combine Shipments calls in one process (a concurrency error is retried by
        queue_job in a fresh transaction, which sees what another one invoiced)."""
        run = self.sudo().run_id
        batch = {}
        invoices, failed, _left = self.env['service.shipment.line']._combine_shipments(
            run.invoice_to_date, posting_date=run.posting_date,
            document_date=run.document_date, post=run.post, send=run.send,
            partners=self.sudo().partner_ids.with_env(self.env),
            companies=run.combine_company_ids.with_env(self.env),
            standard_payment_terms_only=run.standard_payment_terms_only, batch=batch,
            deduct_down_payments=run.deduct_down_payments)
        if run.origin == 'combine_cron':
            self.env['service.shipment.line']._report_combine_job(
                batch['down_payment_notes'], failed)
        self.sudo().write({
            'state': 'done',
            'invoice_ids': [fields.Command.set(invoices.ids)],
            'invoiced_count': len(invoices.commercial_partner_id),
            'failed_count': len(failed),
            'result_message': '\n'.join([message for _orders, message in failed]
                                        + batch['down_payment_notes']),
        })
        return self.env._("%(invoices)s invoices, %(failed)s failed",
                          invoices=len(invoices), failed=len(failed))
