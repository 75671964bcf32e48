from odoo.addons.queue_job.job import Job

CHANNEL = 'root.service_invoicing'


def run_pending_jobs(env):
    """Run the run's jobs as queue_job's runner does (load, start, perform, done, then the
    jobs that waited on them), in this transaction, until none is pending."""
    done = env['queue.job'].sudo()
    while True:
        pending = env['queue.job'].sudo().search(
            [('channel', '=', CHANNEL), ('state', '=', 'pending')], order='id')
        if not pending:
            return done
        for record in pending:
            job = Job.load(env, record.uuid)
            job.set_started()
            job.store()
            job.perform()
            job.set_done()
            job.store()
            env.flush_all()
            job.enqueue_waiting()
            done |= record
