"""Fresh planner statistics for the tables a batch relies on.

On a young database the accounting tables were analyzed while nearly empty, and a plan made
for empty tables turned a 300-invoice batch from 13 s into more than 5 minutes (measured, see
bench/README.md). Autovacuum analyzes them later (after 50 rows + 10 %); a batch cannot wait.
"""

import logging

from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def stale_tables(cr, tables):
    """The ``tables`` that changed by more than a fifth, or more than doubled in size, since
    PostgreSQL last analyzed them (one cheap query)."""
    # The statistics as they are now, not as this transaction first read them (PostgreSQL
    # keeps them for the transaction, and a long one analyzes tables itself).
    cr.execute("SELECT pg_stat_clear_snapshot()")
    cr.execute("""
        SELECT stat.relname
          FROM pg_stat_user_tables stat
          JOIN pg_class rel ON rel.oid = stat.relid
         WHERE stat.relname = ANY(%s) AND stat.schemaname = current_schema()
           AND (stat.n_mod_since_analyze > 500 + 0.2 * GREATEST(rel.reltuples, 0)
                -- grown to more than twice its size when last analyzed (also true in a
                -- copy of the database, whose change counters start from zero)
                OR pg_relation_size(rel.oid)
                   > current_setting('block_size')::int * (2 * GREATEST(rel.relpages, 0) + 16))
    """, [list(tables)])
    return [row[0] for row in cr.fetchall()]


def refresh_stale_statistics(env, tables):
    """ANALYZE the stale ``tables``, in a short transaction of its own so that other workers
    are never blocked by it; gives up (the run goes on) when it cannot take its lock within a
    second. Returns the tables analyzed."""
    stale = stale_tables(env.cr, tables)
    if not stale:
        return []
    try:
        with env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '1s'")
            cr.execute(SQL("ANALYZE %s", SQL(', ').join(SQL.identifier(t) for t in stale)))
    except Exception as error:  # statistics are an optimisation: never fail the run
        _logger.info("Could not analyze %s: %s", ', '.join(stale), error)
        return []
    _logger.info("Analyzed %s: their statistics were stale", ', '.join(stale))
    return stale


def refresh_stale_statistics_in_transaction(cr, tables):
    """ANALYZE the stale ``tables`` inside the current transaction, which sees the rows it has
    written itself (a run that creates thousands of invoices before it commits: a separate
    transaction would analyze the tables without them). The lock ANALYZE takes is kept until
    the transaction ends; it only excludes other ANALYZE and VACUUM runs, and it is waited for
    a second at most (the run goes on without it). Returns the tables analyzed."""
    stale = stale_tables(cr, tables)
    if not stale:
        return []
    cr.execute("SELECT current_setting('lock_timeout')")
    previous = cr.fetchone()[0]
    try:
        with cr.savepoint(flush=False):
            cr.execute("SELECT set_config('lock_timeout', '1s', true)")
            cr.execute(SQL("ANALYZE %s", SQL(', ').join(SQL.identifier(t) for t in stale)))
    except Exception as error:  # statistics are an optimisation: never fail the run
        _logger.info("Could not analyze %s: %s", ', '.join(stale), error)
        stale = []
    finally:
        cr.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    if stale:
        _logger.info("Analyzed %s in this transaction: their statistics were stale",
                     ', '.join(stale))
    return stale
