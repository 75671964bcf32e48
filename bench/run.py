"""Benchmark: our contract batch vs OCA contract, our shipments vs Odoo's, our sending vs Odoo's.

Every measurement runs in fresh Odoo processes on a fresh copy (``createdb -T``) of the same
analyzed data, so both systems start from the same database and the same cold caches.
Usage (through ``make bench``): python bench/run.py [--quick] [--sizes 250,500] [--orders M]
[--sending K] [--scenarios contracts,shipments,sending,fastcheck,backlog,timesheets,portal,
prices].
Figures go to build/bench/results.json and build/bench/contracts.png.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, 'build', 'bench')
CONF = os.path.join(ROOT, 'build', 'bench.conf')
PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
ODOO_BIN = os.path.join(os.environ.get('ODOO_SRC', '/opt/odoo'), 'odoo-bin')
# SI_BENCH_DB: another prefix for the benchmark's databases (two benchmarks on one server).
DB_PREFIX = os.environ.get('SI_BENCH_DB', 'si_bench')
BASE_DB, DATA_DB, RUN_DB = f'{DB_PREFIX}_base', f'{DB_PREFIX}_data', f'{DB_PREFIX}_run'
YOUNG_DB = f'{DB_PREFIX}_young'
# The base with Project and Timesheets (sale_timesheet; the Projects bridge comes along).
PROJECT_BASE_DB = f'{DB_PREFIX}_project_base'
HTTP_PORT, SMTP_PORT = 8269, 2727


def log(message):
    print(f'[bench {time.strftime("%H:%M:%S")}] {message}', flush=True)


def psql(sql, db='postgres'):
    subprocess.run(['psql', '-X', '-q', '-d', db, '-c', sql], check=True,
                   stdout=subprocess.DEVNULL)


def drop(db):
    psql(f'DROP DATABASE IF EXISTS {db} WITH (FORCE)')


def copy_db(source, target):
    drop(target)
    subprocess.run(['createdb', '-T', source, target], check=True)


def start_task(db, task, **params):
    return subprocess.Popen(
        [PYTHON, os.path.join(ROOT, 'bench', 'tasks.py'), CONF, db, task, json.dumps(params)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)


def finish_task(process, timeout=None):
    """The task's RESULT line; a task still running after ``timeout`` seconds is stopped."""
    timer = threading.Timer(timeout, process.kill) if timeout else None
    if timer:
        timer.start()
    result = None
    for line in process.stdout:
        if line.startswith('RESULT '):
            result = json.loads(line[len('RESULT '):])
    process.wait()
    if timer:
        timer.cancel()
        if result is None and process.returncode < 0:
            return {'skipped': f'stopped after {timeout} s', 'seconds': timeout}
    if process.returncode != 0 or result is None:
        raise RuntimeError(f'benchmark task failed (exit {process.returncode})')
    return result


def task(db, name, timeout=None, **params):
    return finish_task(start_task(db, name, **params), timeout=timeout)


def parallel(db, name, workers, **params):
    """Start ``workers`` processes, release them together once all have loaded Odoo."""
    go_file = tempfile.mktemp(prefix='si-bench-go-')
    processes = [start_task(db, name, go_file=go_file, **params) for _ in range(workers)]
    for process in processes:
        while process.stdout.readline().strip() != 'READY':
            if process.poll() is not None:
                raise RuntimeError('a benchmark worker died while starting')
    with open(go_file, 'w', encoding='ascii'):
        pass
    results = [finish_task(process) for process in processes]
    os.unlink(go_file)
    if any('skipped' in result for result in results):
        return results[0]
    return {
        'seconds': max(r['end'] for r in results) - min(r['start'] for r in results),
        'invoices': sum(r['invoices'] for r in results),
        'lines': sum(r.get('lines', 0) for r in results),
        'queries': sum(r['queries'] for r in results),
        'peak_mb': max(r['peak_mb'] for r in results),
        'rss_before_mb': max(r['rss_before_mb'] for r in results),
        'workers': [{k: r[k] for k in ('seconds', 'invoices')} for r in results],
    }


def rates(result):
    if 'skipped' in result:
        return result
    invoices = max(result['invoices'], 1)
    result['invoices_per_s'] = round(result['invoices'] / result['seconds'], 2)
    result['queries_per_invoice'] = round(result['queries'] / invoices, 1)
    result['seconds'] = round(result['seconds'], 2)
    # The machine may be shared: the load says how much of the 2 cores the run really had.
    result['load_1m_after'] = round(os.getloadavg()[0], 2)
    for key in ('start', 'end'):
        result.pop(key, None)
    return result


def measure(name, workers=1, source=DATA_DB, **params):
    copy_db(source, RUN_DB)
    result = parallel(RUN_DB, name, workers, **params) if workers > 1 else \
        task(RUN_DB, name, **params)
    return rates(result)


def odoo_install(db):
    log(f'installing service_invoicing (with its Inventory bridge) and OCA contract on {db}')
    subprocess.run([PYTHON, ODOO_BIN, '-c', CONF, '-d', db, '-i',
                    'service_invoicing,sale_stock,contract',
                    '--stop-after-init', '--no-http'], check=True, cwd=ROOT)


def make_base():
    drop(BASE_DB)
    probe = subprocess.run(['psql', '-X', '-tAd', 'postgres', '-c',
                            "SELECT 1 FROM pg_database WHERE datname = 'si_base'"],
                           capture_output=True, text=True, check=False)
    if os.environ.get('SI_BENCH_TEMPLATE', 'si_base') and probe.stdout.strip() == '1':
        subprocess.run(['createdb', '-T', 'si_base', BASE_DB], check=True)
    else:
        subprocess.run(['createdb', BASE_DB], check=True)
    odoo_install(BASE_DB)


def make_project_base():
    """The base with Odoo's sale_timesheet installed: its Projects bridge installs itself."""
    copy_db(BASE_DB, PROJECT_BASE_DB)
    log(f'installing sale_timesheet on {PROJECT_BASE_DB} (the Projects bridge comes along)')
    subprocess.run([PYTHON, ODOO_BIN, '-c', CONF, '-d', PROJECT_BASE_DB, '-i', 'sale_timesheet',
                    '--stop-after-init', '--no-http'], check=True, cwd=ROOT)


def make_data(populate, young=False, base=BASE_DB, **params):
    copy_db(base, DATA_DB)
    # Statistics taken while the tables are (nearly) empty, as on a young database.
    psql('ANALYZE', DATA_DB)
    started = time.time()
    task(DATA_DB, populate, **params)
    if young:
        copy_db(DATA_DB, YOUNG_DB)
    # Fresh statistics: a young database analyzed while empty misleads the planner.
    psql('VACUUM ANALYZE', DATA_DB)
    log(f'{populate} {params}: {time.time() - started:.0f} s (then VACUUM ANALYZE)')


def ratio(ours, peer):
    if 'skipped' in ours or 'skipped' in peer or not peer.get('invoices_per_s'):
        return None
    return round(ours['invoices_per_s'] / peer['invoices_per_s'], 2)


def show(title, rows):
    log(title)
    print(f'  {"system":<34}{"invoices":>9}{"lines":>8}{"seconds":>9}{"inv/s":>8}'
          f'{"SQL/inv":>9}{"peak MB":>9}')
    for label, row in rows:
        if 'skipped' in row:
            print(f'  {label:<34}skipped: {row["skipped"]}')
            continue
        print(f'  {label:<34}{row["invoices"]:>9}{row.get("lines", 0):>8}{row["seconds"]:>9}'
              f'{row["invoices_per_s"]:>8}{row["queries_per_invoice"]:>9}{row["peak_mb"]:>9}')


def integrity(results_entry):
    """The billing integrity check on the run's database (ours, as the run left it): its
    seconds and queries, and what it found (nothing)."""
    found = task(RUN_DB, 'integrity_check')
    results_entry['integrity_check'] = found
    print(f'  integrity check after ours: {found["findings"]} broken invariants '
          f'{found["rules"]}, {found["seconds"]:.2f} s, {found["queries"]} queries')


def scenario_contracts(n, results, check_sample):
    make_data('populate_contracts', young=True, n=n)
    runs = {
        'oca_create': measure('contracts_oca', post=False),
        'ours_create': measure('contracts_ours', post=False),
        'oca_create_post': measure('contracts_oca', post=True),
        'ours_create_post': measure('contracts_ours', post=True),
    }
    runs['check'] = task(RUN_DB, 'check_contracts', sample=check_sample)
    runs['ours_create_2w'] = measure('contracts_ours', workers=2, post=False, chunk=50)
    runs['ours_create_post_2w'] = measure('contracts_ours', workers=2, post=True, chunk=50)
    runs['check_2w'] = task(RUN_DB, 'check_contracts', sample=0)
    integrity(runs)
    # The same data with statistics from when the tables were empty (young database):
    # the batch's statistics guard must keep it as fast.
    runs['ours_create_post_young'] = measure('contracts_ours', source=YOUNG_DB, post=True)
    runs['ratios'] = {
        'create': ratio(runs['ours_create'], runs['oca_create']),
        'create_post': ratio(runs['ours_create_post'], runs['oca_create_post']),
        'create_2w_vs_oca_1p': ratio(runs['ours_create_2w'], runs['oca_create']),
        'create_post_2w_vs_oca_1p': ratio(runs['ours_create_post_2w'],
                                          runs['oca_create_post']),
    }
    results['contracts'][str(n)] = runs
    show(f'contracts, N={n}', [
        ('OCA contract cron, create', runs['oca_create']),
        ('ours, create', runs['ours_create']),
        ('ours, create, 2 workers', runs['ours_create_2w']),
        ('OCA contract cron, create+post', runs['oca_create_post']),
        ('ours, create+post', runs['ours_create_post']),
        ('ours, create+post, 2 workers', runs['ours_create_post_2w']),
        ('ours, create+post, young database', runs['ours_create_post_young']),
    ])
    check, check_2w = runs['check'], runs['check_2w']
    print(f'  ratios ours/OCA: {runs["ratios"]}')
    print(f'  check: {check["periods"]} periods for {check["contracts"]} contracts '
          f'(distinct {check["periods_distinct"]}), 2 workers: {check_2w["periods"]} '
          f'(distinct {check_2w["periods_distinct"]}); {check["compared"]} invoices '
          f'compared with the standard path, {len(check["mismatches"])} differ')
    for mismatch in check['mismatches'][:3]:
        print(f'    {mismatch}')


def scenario_shipments(m, results, check_sample):
    make_data('populate_orders', m=m)
    odoo = measure('shipments_odoo')
    odoo['check'] = task(RUN_DB, 'check_shipments')
    ours = measure('shipments_ours')
    if 'skipped' not in ours:
        ours['check'] = task(RUN_DB, 'check_shipments', sample=check_sample)
        integrity(ours)
    results['shipments'] = {'orders': m, 'odoo': odoo, 'ours': ours,
                            'ratio': ratio(ours, odoo)}
    show(f'shipments, M={m} delivered orders (every fourth partially)', [
        ("Odoo's invoicing of delivered qty", odoo), ('ours, Combine Shipments', ours)])
    print(f'  ratio ours/Odoo: {results["shipments"]["ratio"]}; Odoo check: {odoo["check"]}')
    if 'skipped' not in ours:
        check = ours['check']
        totals = {key: value for key, value in check.items() if key != 'mismatches'}
        print(f'  ours check: {totals}; '
              f'{check["compared"]} invoices compared with the standard path, '
              f'{len(check["mismatches"])} differ')
        for mismatch in check['mismatches'][:3]:
            print(f'    {mismatch}')


def scenario_backlog(items, proformas, results):
    """The billing backlog: its views at ``items`` items (each must answer within a second of
    server time), and proforma invoices for ``proformas`` customers of three items each
    against the contract batch billing the same periods."""
    make_data('populate_backlog', items=items)
    views = task(DATA_DB, 'backlog_views')
    make_data('populate_proformas', n=proformas)
    ours = measure('proformas_ours')
    batch = measure('proformas_batch')
    results['backlog'] = {'views': views, 'proformas': ours, 'contract_batch': batch,
                          'ratio': ratio(ours, batch)}
    log(f'billing backlog: {views["items"]} items, server time of the views (best of 3, ms):')
    for label, milliseconds in views['ms'].items():
        flag = '' if milliseconds < 1000 else '  OVER A SECOND'
        print(f'  {label:<34}{milliseconds:>9}{flag}')
    show(f'proformas, {proformas} customers x 3 ready periods', [
        ('ours, contract batch', batch), ('ours, proforma invoices', ours)])
    print(f'  ratio proformas/contract batch: {results["backlog"]["ratio"]}')


def scenario_portal(contracts, items, results, timesheets=2000):
    """The customer portal of contracts: a customer's portal user lists its ``contracts``
    contracts and opens one (24 months billed) in a database holding ``items`` backlog
    items, then its shipments, its billing and its time to approve (``timesheets`` of a
    project, a year of weekly periods; the Projects bridge is installed); each page must
    answer within 300 ms of server time."""
    make_project_base()
    make_data('populate_backlog', base=PROJECT_BASE_DB, items=items)
    # OCA contract stays installed (its portal has /my/contracts): ours, at
    # /my/service_contracts, answers beside it.
    populated = task(DATA_DB, 'populate_portal', contracts=contracts)
    psql('ANALYZE', DATA_DB)
    pages = task(DATA_DB, 'portal_pages')
    # Shipments and billing on a copy: the task adds the customer's shipments.
    copy_db(DATA_DB, RUN_DB)
    billing = task(RUN_DB, 'portal_billing_pages')
    time_pages = task(RUN_DB, 'portal_time_pages', timesheets=timesheets)
    results['portal'] = {'populated': populated, 'pages': pages, 'billing_pages': billing,
                         'time_pages': time_pages}
    log(f'customer portal: {pages["contracts"]} contracts, {pages["items"]} backlog items, '
        f'server time (best of 3, ms) and queries:')
    show_pages(pages)
    log(f'customer portal, shipments and billing: {billing["customer_items"]} items not '
        f'invoiced of the customer ({billing["customer_ready"]} to invoice), '
        f'{billing["shipments"]} shipments:')
    show_pages(billing)
    log(f'customer portal, time to approve: {time_pages["timesheets"]} timesheets of the '
        f'customer in {time_pages["periods"]} weekly periods, the largest week '
        f'{time_pages["week_timesheets"]} timesheets:')
    show_pages(time_pages)


def show_pages(pages):
    for label, milliseconds in pages['ms'].items():
        flag = '' if milliseconds < 300 else '  OVER 300 MS'
        print(f'  {label:<40}{milliseconds:>9}{pages["queries"][label]:>6}{flag}')


def scenario_timesheets(projects, timesheets, results, rounds=5):
    """Time and material: ``timesheets`` approved timesheets of March on ``projects`` projects
    (one order and customer each). Odoo's Create Invoice of all the orders with March as its
    timesheet date range, against our proforma invoices of the ready timesheet items; each
    customer must be billed the same hours and money by both. Both run ``rounds`` times in
    turn, each on a fresh copy: a shared machine slows some runs by a third, and the medians
    are compared (every run is kept in the figures)."""
    make_project_base()
    make_data('populate_timesheets', base=PROJECT_BASE_DB, projects=projects,
              timesheets=timesheets)
    runs = {'odoo': [], 'ours': []}
    for _round in range(rounds):
        runs['odoo'].append(measure('timesheets_odoo'))
        runs['ours'].append(measure('timesheets_ours'))
    odoo, ours = (sorted(runs[side], key=lambda run: run['seconds'])[(rounds - 1) // 2]
                  for side in ('odoo', 'ours'))
    differ = sorted({customer for odoo_run in runs['odoo'] for ours_run in runs['ours']
                     for customer in set(odoo_run['totals']) | set(ours_run['totals'])
                     if odoo_run['totals'].get(customer) != ours_run['totals'].get(customer)})
    billed = {label: [round(sum(row[index] for row in run['totals'].values()), 2)
                      for index in range(4)] for label, run in (('odoo', odoo), ('ours', ours))}
    for run in runs['odoo'] + runs['ours']:
        run.pop('totals')
    # Python's work, counted (one more run of each under a profiler): the ratio of the
    # function calls does not move with the host, as the seconds do.
    calls = {side: measure(f'timesheets_{side}', count_calls=True)['python_calls']
             for side in ('odoo', 'ours')}
    integrity(ours)
    results['timesheets'] = {
        'projects': projects, 'timesheets': timesheets, 'rounds': rounds,
        'odoo': odoo, 'ours': ours, 'ratio': ratio(ours, odoo), 'billed': billed,
        'seconds': {side: [run['seconds'] for run in runs[side]] for side in runs},
        'best_ratio': ratio(min(runs['ours'], key=lambda run: run['seconds']),
                            min(runs['odoo'], key=lambda run: run['seconds'])),
        'customers_differing': differ, 'python_calls': calls,
        'python_calls_ratio': round(calls['odoo'] / max(calls['ours'], 1), 2)}
    show(f'time and material, {timesheets} approved timesheets on {projects} projects '
         f'(median of {rounds} runs each, in turn)', [
             ("Odoo's Create Invoice (date range)", odoo), ('ours, proforma invoices', ours)])
    print(f'  every run (s): Odoo {results["timesheets"]["seconds"]["odoo"]}, ours '
          f'{results["timesheets"]["seconds"]["ours"]}')
    print(f'  ratio ours/Odoo: {results["timesheets"]["ratio"]} (medians), '
          f'{results["timesheets"]["best_ratio"]} (best runs); billed (untaxed, tax, total, '
          f'hours): Odoo {billed["odoo"]}, ours {billed["ours"]}; '
          f'{len(differ)} customers billed differently {differ[:3]}')
    print(f'  Python function calls (one more run of each, counted): Odoo {calls["odoo"]:,}, '
          f'ours {calls["ours"]:,}, ratio {results["timesheets"]["python_calls_ratio"]}')


def scenario_young(n, results, timeout):
    """Ours on a young database (statistics taken while the tables were empty), with and
    without the statistics guard, against the same data analyzed."""
    make_data('populate_contracts', young=True, n=n)
    runs = {
        'analyzed': measure('contracts_ours', post=True),
        'young_guarded': measure('contracts_ours', source=YOUNG_DB, post=True),
        'young_unguarded': measure('contracts_ours', source=YOUNG_DB, post=True, guard=False,
                                   timeout=timeout),
    }
    results['young'] = {'contracts': n, **runs}
    show(f'young database, N={n}: create+post, ours', [
        ('analyzed copy', runs['analyzed']),
        ('young copy, statistics guard on', runs['young_guarded']),
        ('young copy, guard off', runs['young_unguarded'])])


def scenario_fastcheck(sizes, results, repeats):
    """What the fast path's check costs: our contract batch (create, chunks of 200 committed
    one by one: one shape, checked once per chunk) with the check and without it (the fast
    path unchecked), in turn on fresh copies of the same data, ``repeats`` times (medians);
    once with the system parameter off (Odoo's standard create for every invoice)."""
    results['fastcheck'] = {}
    rows = []
    for n in sizes:
        make_data('populate_contracts', n=n)
        series = {'check': [], 'no_check': []}
        for _repeat in range(repeats):
            series['check'].append(measure('contracts_ours', post=False, fast_check='on'))
            series['no_check'].append(measure('contracts_ours', post=False, fast_check='skip'))
        runs = {key: sorted(values, key=lambda run: run['seconds'])[len(values) // 2]
                for key, values in series.items()}
        runs['param_off'] = measure('contracts_ours', post=False, fast_check='param_off')
        checks = [run for run in series['check'] if run['shape_checks']]
        check_seconds = sorted(run['check_seconds'] for run in checks)[len(checks) // 2]
        summary = {
            'seconds': {key: [run['seconds'] for run in values]
                        for key, values in series.items()},
            # Side by side: the whole run with the check against the same run without it.
            'side_by_side_pct': round(100 * (runs['check']['seconds']
                                             - runs['no_check']['seconds'])
                                      / runs['no_check']['seconds'], 1),
            # In the run: time spent creating the checked invoices the standard way and
            # comparing them (an upper bound: they would otherwise be created complete).
            'check_seconds': round(check_seconds, 2),
            'check_pct_of_run': round(100 * check_seconds / runs['no_check']['seconds'], 1),
            'shape_checks': runs['check']['shape_checks'],
            'check_ms': [run['check_ms'] for run in checks],
        }
        results['fastcheck'][str(n)] = {**runs, 'summary': summary}
        rows += [(f'N={n}, fast path with its check', runs['check']),
                 (f'N={n}, fast path without the check', runs['no_check']),
                 (f'N={n}, system parameter off', runs['param_off'])]
    show(f'fast path check: create, ours (median of {repeats})', rows)
    for n in sizes:
        summary = results['fastcheck'][str(n)]['summary']
        print(f'  N={n}: {summary["shape_checks"]} checks, {summary["check_seconds"]} s in the '
              f'check = {summary["check_pct_of_run"]} % of the run (ms per check: '
              f'{summary["check_ms"]}); side by side {summary["side_by_side_pct"]:+} % '
              f'(seconds: {summary["seconds"]})')


def scenario_memory(sizes, results):
    """Ours only, create + post, at large N: time per invoice and peak memory must stay flat
    (the run works in committed chunks of 200 contracts)."""
    rows = []
    for n in sizes:
        make_data('populate_contracts', n=n)
        run = measure('contracts_ours', post=True)
        run['check'] = task(RUN_DB, 'check_contracts', sample=0)
        results['memory'][str(n)] = run
        rows.append((f'ours, create+post, N={n}', run))
    show('memory: ours alone at large N, chunks of 200 contracts', rows)
    for n in sizes:
        run = results['memory'][str(n)]
        print(f'  N={n}: peak {run["peak_mb"]} MB (before the run {run["rss_before_mb"]} MB), '
              f'{round(1000 * run["seconds"] / max(run["invoices"], 1), 1)} ms per invoice, '
              f'{run["check"]["periods"]} periods for {run["check"]["contracts"]} contracts '
              f'(distinct {run["check"]["periods_distinct"]})')


class Servers:
    """An Odoo HTTP server (wkhtmltopdf loads the PDF styles from it) and an SMTP sink."""

    def __init__(self, db):
        self.mail_dir = os.path.join(BUILD, 'mail')
        shutil.rmtree(self.mail_dir, ignore_errors=True)
        self.smtp = subprocess.Popen(
            [PYTHON, os.path.join(ROOT, 'tools', 'smtp_sink.py'), '--port', str(SMTP_PORT),
             '--dir', self.mail_dir], stdout=subprocess.DEVNULL)
        self.http = subprocess.Popen(
            [PYTHON, ODOO_BIN, '-c', CONF, '-d', db, f'--db-filter=^{db}$',
             f'--http-port={HTTP_PORT}', '--log-level=error'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(6)

    def messages(self):
        return sorted(name for name in os.listdir(self.mail_dir) if name.endswith('.eml'))

    def stop(self):
        for process in (self.http, self.smtp):
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def recipients(folder, names):
    seen = []
    for name in names:
        with open(os.path.join(folder, name), encoding='utf-8', errors='replace') as message:
            for line in message:
                if line.lower().startswith('to:'):
                    seen.append(line.split(':', 1)[1].strip())
                    break
    return len(seen), len(set(seen))


def scenario_sending(k, results):
    make_data('prepare_sending', k=k, base_url=f'http://127.0.0.1:{HTTP_PORT}')
    runs = {}
    for label, name, workers in (('odoo', 'sending_odoo', 1), ('ours', 'sending_ours', 2)):
        copy_db(DATA_DB, RUN_DB)
        servers = Servers(RUN_DB)
        try:
            result = parallel(RUN_DB, name, workers) if workers > 1 else task(RUN_DB, name)
            time.sleep(2)
            sent, distinct = recipients(servers.mail_dir, servers.messages())
        finally:
            servers.stop()
        runs[label] = rates(result)
        runs[label].update(emails=sent, distinct_recipients=distinct)
    runs['ratio'] = ratio(runs['ours'], runs['odoo'])
    results['sending'] = runs
    show(f'sending, K={k} posted invoices (PDF + email)', [
        ("Odoo's queued sending (its cron)", runs['odoo']), ('ours, 2 workers', runs['ours'])])
    print(f'  ratio ours/Odoo: {runs["ratio"]}; emails Odoo {runs["odoo"]["emails"]} '
          f'(distinct {runs["odoo"]["distinct_recipients"]}), ours {runs["ours"].get("emails")} '
          f'(distinct {runs["ours"].get("distinct_recipients")})')



# --- scenario queue: the contract batch over 1 and 2 queue_job runners -----------------------

QUEUE_CONF = os.path.join(ROOT, 'build', 'bench-queue.conf')
QUEUE_DATA_DB = f'{DB_PREFIX}_queue_data'
QUEUE_HTTP_PORT = int(os.environ.get('SI_BENCH_QUEUE_PORT', HTTP_PORT + 1))


def queue_task(db, name, **params):
    """A task of bench/tasks.py on a database with queue_job (its addons path)."""
    process = subprocess.Popen(
        [PYTHON, os.path.join(ROOT, 'bench', 'tasks.py'), QUEUE_CONF, db, name,
         json.dumps(params)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return finish_task(process)


def queue_server(db, capacity, workers=2):
    """An Odoo server in prefork mode (``workers`` processes) with queue_job's runner,
    running at most ``capacity`` jobs of root.service_invoicing at once."""
    channels = f'root:{capacity},root.service_invoicing:{capacity}'
    server = subprocess.Popen(
        [PYTHON, ODOO_BIN, '-c', QUEUE_CONF, '-d', db, '--load=base,web,queue_job',
         f'--workers={workers}', f'--http-port={QUEUE_HTTP_PORT}', '--max-cron-threads=0',
         '--limit-time-real=600', '--limit-time-cpu=600', '--log-level=warn'],
        env={**os.environ, 'ODOO_QUEUE_JOB_CHANNELS': channels}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f'http://127.0.0.1:{QUEUE_HTTP_PORT}/web/login?db={db}'
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=30).read()
            break
        except OSError:
            time.sleep(0.5)
    # Every worker process loads the database's registry before the run starts.
    warmers = [threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=60).read())
               for _index in range(4 * workers)]
    for thread in warmers:
        thread.start()
    for thread in warmers:
        thread.join()
    return server


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def queue_run_over(db, run_id):
    """Whether the run is done, or one of its jobs failed."""
    found = subprocess.run(
        ['psql', '-X', '-tAd', db, '-c',
         f"SELECT state FROM service_invoicing_run WHERE id = {int(run_id)} AND state = 'done' "
         f"UNION ALL SELECT state FROM queue_job WHERE state = 'failed' LIMIT 1"],
        capture_output=True, text=True, check=True)
    return bool(found.stdout.strip())


def measure_queue(capacity, chunk, post=False, timeout=900):
    """The batch queued in jobs of ``chunk`` contracts, run by a server with ``capacity``
    runners; its time from queued to its last job done, and its fingerprint."""
    copy_db(QUEUE_DATA_DB, RUN_DB)
    server = queue_server(RUN_DB, capacity, workers=max(capacity, 2))
    try:
        queued = queue_task(RUN_DB, 'queue_enqueue', chunk=chunk, post=post)
        # Polled with psql: an Odoo process per look would take the runners' CPU.
        deadline = time.time() + timeout
        while time.time() < deadline and not queue_run_over(RUN_DB, queued['run_id']):
            time.sleep(0.5)
    finally:
        stop_server(server)
    result = queue_task(RUN_DB, 'queue_result', run_id=queued['run_id'])
    if result['state'] != 'done':
        return {'skipped': f'run not done: {result}'}
    result['jobs'] = queued['jobs']
    result['fingerprint'] = queue_task(RUN_DB, 'contracts_fingerprint')
    return rates(result)


def scenario_queue(n, results, chunk=25):
    """OCA contract, our one-process batch and our batch over 1 and 2 queue_job runners, on
    the same data; the ratio 2 runners / 1 runner with its correctness check."""
    make_data('populate_contracts', n=n)
    copy_db(DATA_DB, QUEUE_DATA_DB)
    log(f'installing queue_job on {QUEUE_DATA_DB} (service_invoicing_queue comes along)')
    subprocess.run([PYTHON, ODOO_BIN, '-c', QUEUE_CONF, '-d', QUEUE_DATA_DB, '-i', 'queue_job',
                    '--stop-after-init', '--no-http', '--log-level=warn'], check=True, cwd=ROOT)
    psql('VACUUM ANALYZE', QUEUE_DATA_DB)
    runs = {'oca': measure('contracts_oca', post=False),
            'ours_1p': measure('contracts_ours', post=False)}
    runs['ours_1p']['fingerprint'] = task(RUN_DB, 'contracts_fingerprint')
    runs['queue_1'] = measure_queue(1, chunk)
    runs['queue_2'] = measure_queue(2, chunk)
    found = queue_task(RUN_DB, 'integrity_check')
    runs['integrity_check'] = found
    print(f'  integrity check after 2 runners: {found["findings"]} broken invariants')
    prints = [runs[key].get('fingerprint', {}) for key in ('ours_1p', 'queue_1', 'queue_2')]
    runs['check'] = {
        'periods_billed_once': all(p.get('periods') == p.get('periods_distinct') == n
                                   for p in prints),
        'invoices_equal': len({p.get('digest') for p in prints}) == 1,
    }
    running = [runs[key].get('seconds_running') for key in ('queue_1', 'queue_2')]
    runs['ratios'] = {'queue_2_vs_1': ratio(runs['queue_2'], runs['queue_1']),
                      'queue_2_vs_1_running': round(running[0] / running[1], 2)
                      if all(running) else None,
                      'queue_1_vs_1p': ratio(runs['queue_1'], runs['ours_1p']),
                      'ours_1p_vs_oca': ratio(runs['ours_1p'], runs['oca']),
                      'queue_2_vs_oca': ratio(runs['queue_2'], runs['oca'])}
    results.setdefault('queue', {})[str(n)] = runs
    show(f'contract batch over queue_job, N={n}, jobs of {chunk} contracts', [
        ('OCA contract cron, create', runs['oca']),
        ('ours, one process, create', runs['ours_1p']),
        ('ours, queue_job, 1 runner', runs['queue_1']),
        ('ours, queue_job, 2 runners', runs['queue_2']),
    ])
    for key in ('queue_1', 'queue_2'):
        print(f'  {key}: {runs[key].get("jobs")} jobs, at most {runs[key].get("jobs_at_once")} '
              f'at once, {runs[key].get("seconds_per_job")} s per job, '
              f'{runs[key].get("seconds_running")} s from the first job started')
    print(f'  ratio 2 runners / 1 runner: {runs["ratios"]["queue_2_vs_1"]} (target >= 1.7); '
          f'all ratios {runs["ratios"]}')
    print(f'  check: periods billed once {runs["check"]["periods_billed_once"]}, invoices '
          f'equal in the 3 runs {runs["check"]["invoices_equal"]} '
          f'({", ".join(str(p.get("digest")) for p in prints)}); load {os.getloadavg()}')
    drop(QUEUE_DATA_DB)


def plot(results):
    try:
        import matplotlib
        matplotlib.use('Agg')
        from matplotlib import pyplot
    except ImportError:
        log('matplotlib missing: no plot')
        return
    sizes = sorted(results['contracts'], key=int)
    figure, axis = pyplot.subplots(figsize=(8, 5))
    for key, label in (('oca_create', 'OCA contract, create'),
                       ('oca_create_post', 'OCA contract, create+post'),
                       ('ours_create', 'ours, create'), ('ours_create_post', 'ours, create+post'),
                       ('ours_create_post_2w', 'ours, create+post, 2 workers')):
        axis.plot([int(n) for n in sizes],
                  [results['contracts'][n][key]['seconds'] for n in sizes], marker='o',
                  label=label)
    axis.set_xlabel('contracts (one 3-line invoice each)')
    axis.set_ylabel('seconds')
    axis.set_title('Monthly contract invoicing, Odoo 19, 2 cores')
    axis.grid(True, alpha=0.3)
    axis.legend()
    figure.savefig(os.path.join(BUILD, 'contracts.png'), dpi=100, bbox_inches='tight')
    log(f'plot: {os.path.join(BUILD, "contracts.png")}')


def scenario_price_update(n, results):
    """Update Contract Prices over ``n`` contracts of three lines, ours alone (no peer has a
    proposal to review): the test report, the proposal and Apply; then the contract batch
    billing the same contracts' periods before the new prices take effect (read from the
    price history) against the batch on the same contracts without an update."""
    make_data('populate_price_update', n=n)
    plain = measure('contracts_ours', post=False)
    copy_db(DATA_DB, RUN_DB)
    update = task(RUN_DB, 'price_update_ours')
    psql('ANALYZE', RUN_DB)
    after = rates(task(RUN_DB, 'contracts_ours', post=False))
    integrity(update)
    results['price_update'] = {'contracts': n, 'update': update, 'batch': plain,
                               'batch_after_update': after}
    log(f'price update, {n} contracts x 3 lines, ours alone:')
    for step in ('test_report', 'propose', 'apply'):
        figures = update[step]
        print(f'  {step:<34}{figures["seconds"]:>9.2f} s{figures["queries"]:>9} queries'
              f'{figures["peak_mb"]:>9} MB')
    show('contract batch on the same contracts (January 2026, before the new prices)', [
        ('ours, no price update', plain), ('ours, after a price update', after)])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true',
                        help='small sizes (contracts 100,200; 60 orders; 10 sent invoices)')
    parser.add_argument('--sizes', help='contract counts, e.g. 250,500,1000,2000')
    parser.add_argument('--orders', type=int, help='delivered sale orders (default 1000)')
    parser.add_argument('--sending', type=int, help='invoices to send (default 200)')
    parser.add_argument('--scenarios',
                        default='contracts,shipments,sending,fastcheck,backlog,timesheets,'
                                'portal,queue,prices',
                        help='any of contracts,shipments,sending,fastcheck,backlog,timesheets,'
                             'portal,prices,young,memory,queue '
                             '(fastcheck: our batch with and without the fast path\'s check; '
                             'young: guard on and off on a young database; memory: ours alone '
                             'at --memory-sizes; queue: OCA, ours in one process and over 1 '
                             'and 2 queue_job runners)')
    parser.add_argument('--fastcheck-sizes',
                        help='contract counts of the fastcheck scenario (default 200,1000,2000; '
                             'quick 200,1000)')
    parser.add_argument('--fastcheck-repeats', type=int, default=3,
                        help='runs of each fastcheck variant (the median is shown)')
    parser.add_argument('--young-size', type=int, default=300,
                        help='contracts of the young scenario (guard on and off)')
    parser.add_argument('--young-timeout', type=int, default=600,
                        help='seconds after which the unguarded young run is stopped')
    parser.add_argument('--backlog-items', type=int, default=100000,
                        help='items of the backlog scenario (default 100000)')
    parser.add_argument('--proformas', type=int,
                        help='customers of the proforma measurement (default 1000)')
    parser.add_argument('--projects', type=int,
                        help='projects (orders, customers) of the timesheets scenario '
                             '(default 200)')
    parser.add_argument('--timesheets', type=int,
                        help='approved timesheets of the timesheets scenario (default 10000)')
    parser.add_argument('--timesheet-rounds', type=int, default=5,
                        help='runs of each side of the timesheets scenario, in turn (the '
                             'medians are compared; quick 1)')
    parser.add_argument('--portal-contracts', type=int,
                        help="contracts of the portal scenario's customer (default 1000)")
    parser.add_argument('--price-contracts', type=int,
                        help='contracts of the prices scenario (default 1000, quick 200)')
    parser.add_argument('--memory-sizes', default='5000,20000',
                        help='contract counts of the memory scenario')
    parser.add_argument('--check-sample', type=int, default=200,
                        help='invoices compared with the standard path per size')
    parser.add_argument('--queue-chunk', type=int, default=25,
                        help='contracts per job of the queue scenario (its size: the largest '
                             'of --sizes)')
    parser.add_argument('--keep', action='store_true', help='keep the benchmark databases')
    args = parser.parse_args()
    sizes = [int(n) for n in (args.sizes or ('100,200' if args.quick else
                                              '250,500,1000,2000')).split(',')]
    orders = args.orders or (60 if args.quick else 1000)
    sending = args.sending or (10 if args.quick else 200)
    scenarios = args.scenarios.split(',')
    os.makedirs(BUILD, exist_ok=True)
    results = {'machine': {'cpus': os.cpu_count()}, 'contracts': {}, 'memory': {},
               'started': time.strftime('%Y-%m-%d %H:%M:%S')}
    out = os.path.join(BUILD, 'results.json')
    try:
        make_base()
        if 'contracts' in scenarios:
            for n in sizes:
                scenario_contracts(n, results, args.check_sample)
                with open(out, 'w', encoding='utf-8') as handle:
                    json.dump(results, handle, indent=1)
            plot(results)
        if 'shipments' in scenarios:
            scenario_shipments(orders, results, args.check_sample)
        if 'sending' in scenarios:
            scenario_sending(sending, results)
        if 'fastcheck' in scenarios:
            scenario_fastcheck([int(n) for n in (args.fastcheck_sizes or (
                '200,1000' if args.quick else '200,1000,2000')).split(',')],
                results, args.fastcheck_repeats)
        if 'backlog' in scenarios:
            scenario_backlog(args.backlog_items if not args.quick else 20000,
                             args.proformas or (1000 if not args.quick else 200), results)
        if 'timesheets' in scenarios:
            scenario_timesheets(args.projects or (200 if not args.quick else 20),
                                args.timesheets or (10000 if not args.quick else 500), results,
                                rounds=max(args.timesheet_rounds, 1) if not args.quick else 1)
        if 'portal' in scenarios:
            scenario_portal(args.portal_contracts or (1000 if not args.quick else 200),
                            args.backlog_items if not args.quick else 20000, results)
        if 'prices' in scenarios:
            scenario_price_update(args.price_contracts or (1000 if not args.quick else 200),
                                  results)
        if 'young' in scenarios:
            scenario_young(args.young_size, results, args.young_timeout)
        if 'memory' in scenarios:
            scenario_memory([int(n) for n in args.memory_sizes.split(',')], results)
        if 'queue' in scenarios:
            scenario_queue(max(sizes), results, chunk=args.queue_chunk)
    finally:
        with open(out, 'w', encoding='utf-8') as handle:
            json.dump(results, handle, indent=1)
        log(f'figures: {out}')
        if not args.keep:
            for db in (RUN_DB, YOUNG_DB, DATA_DB, PROJECT_BASE_DB, BASE_DB, QUEUE_DATA_DB):
                drop(db)


if __name__ == '__main__':
    sys.exit(main())
