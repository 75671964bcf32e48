"""An invoicing run spread over queue_job jobs (contract invoicing, Combine Shipments): its
chunks, and its result once the last chunk's job has ended.

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
        [('wizard', "Create Contract Invoices"), ('cron', "Daily job"),
         ('combine', "Combine Shipments"), ('combine_cron', "Combine Shipments daily job")],
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
    # Combine Shipments: its options (invoice_to_date is its Shipped Up To).
    document_date = fields.Date(readonly=True)
    standard_payment_terms_only = fields.Boolean(readonly=True)
    deduct_down_payments = fields.Boolean(readonly=True)
    combine_company_ids = fields.Many2many('res.company', string="Companies", readonly=True)
    left_count = fields.Integer(
        string="Shipment Lines Left to Others", readonly=True,
        help="Shipment lines of orders the user who started the run may not bill.")
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
    def _daily_run_still_queued(self, origin):
        """Whether a run of the daily job ``origin`` is still queued in this company: it is
        not queued twice. One of which a job failed or was cancelled (in queue_job's Jobs
        view) does not hold the next day's run."""
        queued = self.sudo().search([('origin', '=', origin), ('state', '=', 'queued'),
                                     ('company_id', '=', self.env.company.id)])
        return bool(queued.filtered(lambda run: not run._has_stopped_jobs()))

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
        contracts = self.env['service.contract'].browse(contract_ids)
        chunks = self._split_in_chunks(
            contracts, lambda contract: contract._invoice_grouping_key(), self._chunk_size())
        return self._enqueue_run({
            'name': self.env._("Contract invoicing up to %(date)s",
                               date=fields.Date.to_string(invoice_to_date)),
            'origin': origin, 'invoice_to_date': invoice_to_date,
            'posting_date': posting_date, 'post': post, 'send': send,
            'many_periods': many_periods,
            'chunk_ids': [fields.Command.create({
                'sequence': index, 'contract_ids': [fields.Command.set(chunk)],
            }) for index, chunk in enumerate(chunks)],
        })

    @api.model
    def _enqueue_combine_run(self, items, left, date_to, posting_date, document_date=None,
                             post=False, send=False, companies=None,
                             standard_payment_terms_only=False, deduct_down_payments=True,
                             origin='combine'):
        """A Combine Shipments run of these [(shipment line, quantity)]: one job per chunk
        of customers (each job combines its customers' lines, as one process does) and a
        last job that gathers the result."""
        lines = self.env['service.shipment.line'].union(*(line for line, _qty in items))
        chunks = self._split_in_chunks(
            lines, lambda line: line.order_id._service_invoice_grouping_key(),
            self._chunk_size(), lambda line: line.commercial_partner_id.id)
        return self._enqueue_run({
            'name': self.env._("Combine Shipments up to %(date)s",
                               date=fields.Date.to_string(date_to)),
            'origin': origin, 'invoice_to_date': date_to, 'posting_date': posting_date,
            'document_date': document_date, 'post': post, 'send': send,
            'combine_company_ids': [fields.Command.set(companies.ids if companies else [])],
            'standard_payment_terms_only': standard_payment_terms_only,
            'deduct_down_payments': deduct_down_payments, 'left_count': left,
            'chunk_ids': [fields.Command.create({
                'sequence': index, 'partner_ids': [fields.Command.set(
                    lines.browse(chunk).commercial_partner_id.ids)],
            }) for index, chunk in enumerate(chunks)],
        })

    @api.model
    def _enqueue_run(self, vals):
        """The run of ``vals`` (with its chunks), one job per chunk and a last job that
        gathers the result, all as the user who starts it."""
        run = self.sudo().create(vals)
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
    def _split_in_chunks(self, records, invoice_key, chunk_size, job_key=None):
        """Lists of record ids of about ``chunk_size``: the records that share one invoice
        (same ``invoice_key``: Combine Invoices of contracts, a customer's shipment lines)
        stay in one chunk, so the jobs make the same invoices as one process; so do those
        of one ``job_key`` (the customer a Combine Shipments job selects its lines by)."""
        parent = {}

        def root(key):
            while parent.setdefault(key, key) != key:
                key = parent[key]
            return key

        keys = [('invoice', invoice_key(record)) for record in records]
        if job_key:
            # Invoice groups that share a job key are one group (union-find).
            for key, record in zip(keys, records, strict=True):
                parent[root(key)] = root(('job', job_key(record)))
        groups = {}
        for key, record in zip(keys, records, strict=True):
            groups.setdefault(root(key), []).append(record.id)
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
                'result_message': '\n'.join(filter(None, chunks.mapped('result_message')
                                                   + [run._left_message()])),
            })
        return self.env._("Run gathered.")

    def _left_message(self):
        if not self.left_count:
            return False
        return self.env['service.shipment.combine.wizard']._left_message(self.left_count)
