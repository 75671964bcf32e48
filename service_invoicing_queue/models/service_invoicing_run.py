"""A contract invoicing run spread over queue_job jobs: its chunks, and its result once the
last chunk's job has ended.

Each chunk is a job on the channel ``root.service_invoicing``: every Odoo server whose job
runner serves that channel takes part. A job calls the chunk method the daily job calls
(``service.contract._create_contract_invoices``), so the locks (SKIP LOCKED) and the unique
billed periods keep every period billed once, whichever server runs it and however often
queue_job runs it again. A last job, which queue_job starts when every chunk's job is done,
gathers the counts on the run.
"""

from odoo import api, fields, models

from odoo.addons.queue_job.delay import group

CHUNK_SIZE_PARAMETER = 'service_invoicing_queue.chunk_size'
DEFAULT_CHUNK_SIZE = 50


class ServiceInvoicingRun(models.Model):
    _name = 'service.invoicing.run'
    _description = "Invoicing Run (job queue)"
    _order = 'id desc'

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one(
        'res.company', required=True, readonly=True, default=lambda self: self.env.company)
    user_id = fields.Many2one(
        'res.users', string="Started By", readonly=True, default=lambda self: self.env.user)
    origin = fields.Selection(
        [('wizard', "Create Contract Invoices"), ('cron', "Daily job")],
        required=True, readonly=True)
    state = fields.Selection(
        [('queued', "Queued"), ('done', "Done")], default='queued', readonly=True,
        help="Queued: its jobs wait for a job runner or run. Done: its last job has ended "
             "and the counts below are the run's.")
    invoice_to_date = fields.Date(readonly=True)
    posting_date = fields.Date(readonly=True)
    post = fields.Boolean(string="Post the invoices", readonly=True)
    send = fields.Boolean(string="Send by email", readonly=True)
    many_periods = fields.Boolean(string="Bill Many Periods at Once", readonly=True)
    chunk_ids = fields.One2many('service.invoicing.run.chunk', 'run_id', readonly=True)
    job_uuid = fields.Char(string="Result Job", readonly=True,
                           help="The job that gathers the result once every chunk's job is done.")
    chunk_count = fields.Integer(string="Jobs", compute='_compute_chunk_count')
    invoice_ids = fields.Many2many('account.move', string="Invoices Created", readonly=True)
    created_count = fields.Integer(readonly=True)
    invoiced_count = fields.Integer(string="Contracts Invoiced", readonly=True)
    skipped_count = fields.Integer(readonly=True)
    failed_count = fields.Integer(readonly=True)
    result_message = fields.Text(readonly=True)

    @api.depends('chunk_ids')
    def _compute_chunk_count(self):
        for run in self:
            run.chunk_count = len(run.chunk_ids)

    def action_view_jobs(self):
        """Open the queue_job jobs of this run: their state, retries and errors."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('queue_job.action_queue_job')
        action['domain'] = [('uuid', 'in', self.sudo()._job_uuids())]
        action['context'] = {}
        return action

    def action_view_invoices(self):
        """Open the invoices this run created."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'account.action_move_out_invoice_type')
        action['domain'] = [('id', 'in', self.invoice_ids.ids)]
        return action

    def _job_uuids(self):
        return self.chunk_ids.mapped('job_uuid') + self.filtered('job_uuid').mapped('job_uuid')

    def _has_stopped_jobs(self):
        """Whether a job of this run failed or was cancelled: it waits for someone to requeue
        it from the Jobs view, and the run's result for it."""
        self.ensure_one()
        return bool(self.env['queue.job'].sudo().search_count(
            [('uuid', 'in', self._job_uuids()), ('state', 'in', ('failed', 'cancelled'))]))

    @api.model
    def _chunk_size(self):
        value = self.env['ir.config_parameter'].sudo().get_param(CHUNK_SIZE_PARAMETER)
        return max(int(value or DEFAULT_CHUNK_SIZE), 1)

    @api.model
    def _enqueue_contract_run(self, contract_ids, invoice_to_date, posting_date, origin,
                              post=False, send=False, many_periods=False):
        """A run of these contracts, one job per chunk and a last job that gathers the
        result. The jobs run as the user who starts the run: the contracts they may invoice
        are decided by the same rule as in one process."""
        chunks = self._split_in_chunks(
            self.env['service.contract'].browse(contract_ids), self._chunk_size())
        run = self.sudo().create({
            'name': self.env._("Contract invoicing up to %(date)s",
                               date=fields.Date.to_string(invoice_to_date)),
            'origin': origin, 'invoice_to_date': invoice_to_date,
            'posting_date': posting_date, 'post': post, 'send': send,
            'many_periods': many_periods,
            'chunk_ids': [fields.Command.create({
                'sequence': index, 'contract_ids': [fields.Command.set(chunk)],
            }) for index, chunk in enumerate(chunks)],
        })
        chunk_jobs = [chunk.with_env(self.env).delayable(
            description=self.env._("%(run)s, chunk %(chunk)s", run=run.name,
                                   chunk=chunk.sequence + 1))._run_chunk()
            for chunk in run.chunk_ids]
        gather = run.with_env(self.env).delayable(
            description=self.env._("%(run)s: result", run=run.name))._gather_results()
        if chunk_jobs:
            group(*chunk_jobs).on_done(gather).delay()
        else:
            gather.delay()
        for chunk, delayable in zip(run.chunk_ids, chunk_jobs, strict=True):
            chunk.job_uuid = delayable._generated_job.uuid
        run.job_uuid = gather._generated_job.uuid
        return run.with_env(self.env)

    @api.model
    def _split_in_chunks(self, contracts, chunk_size):
        """Lists of contract ids of about ``chunk_size``: the contracts that share one
        invoice (Combine Invoices, same customer and terms) stay in one chunk, so the jobs
        make the same invoices as one process."""
        groups = {}
        for contract in contracts:
            groups.setdefault(contract._invoice_grouping_key(), []).append(contract.id)
        chunks, chunk = [], []
        for ids in groups.values():
            if chunk and len(chunk) + len(ids) > chunk_size:
                chunks.append(chunk)
                chunk = []
            chunk += ids
        return chunks + [chunk] if chunk else chunks

    def _gather_results(self):
        """The last job of the run: the counts and invoices of its chunks, on the run."""
        for run in self.sudo():
            chunks = run.chunk_ids
            run.write({
                'state': 'done',
                'invoice_ids': [fields.Command.set(chunks.invoice_ids.ids)],
                'created_count': len(chunks.invoice_ids),
                'invoiced_count': sum(chunks.mapped('invoiced_count')),
                'skipped_count': sum(chunks.mapped('skipped_count')),
                'failed_count': sum(chunks.mapped('failed_count')),
                'result_message': '\n'.join(filter(None, chunks.mapped('result_message'))),
            })
        return self.env._("Run gathered.")
