import os
import socket
import subprocess
import sys

import odoo
from odoo.tools import config

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


def free_port():
    """A TCP port nothing listens on, for a job runner's Odoo server."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def start_job_runner(db_name, port, channels='root:1,root.service_invoicing:1'):
    """A real Odoo server with queue_job's runner on ``db_name``, in its own process."""
    return subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(odoo.__path__[0]), 'odoo-bin'),
         '-c', config['config'], '-d', db_name, '--load=base,web,queue_job',
         f'--http-port={port}', '--http-interface=127.0.0.1', '--workers=0',
         '--max-cron-threads=0', '--log-level=warn'],
        env={**os.environ, 'ODOO_QUEUE_JOB_CHANNELS': channels},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
