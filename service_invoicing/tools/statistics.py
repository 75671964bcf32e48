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
    PostgreSQL last analyzed them, or that it plans as empty although this transaction wrote
    rows in them (one cheap query)."""
    # The statistics as they are now, not as this transaction first read them (PostgreSQL
    # keeps them for the transaction, and a long one analyzes tables itself).
    cr.execute("SELECT pg_stat_clear_snapshot()")
    cr.execute("""
        SELECT stat.relname
          FROM pg_stat_user_tables stat
          JOIN pg_class rel ON rel.oid = stat.relid
          JOIN pg_stat_xact_user_tables xact ON xact.relid = stat.relid
         WHERE stat.relname = ANY(%s) AND stat.schemaname = current_schema()
           AND (stat.n_mod_since_analyze > 500 + 0.2 * GREATEST(rel.reltuples, 0)
                -- grown to more than twice its size when last analyzed (also true in a
                -- copy of the database, whose change counters start from zero)
                OR pg_relation_size(rel.oid)
                   > current_setting('block_size')::int * (2 * GREATEST(rel.relpages, 0) + 16)
                -- analyzed while every row in its pages was another transaction's or deleted,
                -- and this transaction has written rows in it since: PostgreSQL plans it as
                -- empty whatever it holds (a row for pages of nothing), and a join of it ran
                -- for minutes
                OR (rel.reltuples = 0 AND rel.relpages > 0 AND xact.n_tup_ins > xact.n_tup_del))
    """, [list(tables)])
    return [row[0] for row in cr.fetchall()]


def written_in_transaction(cr, tables):
    """The ``tables`` this transaction has written rows in (not committed yet)."""
    cr.execute("""
        SELECT relname FROM pg_stat_xact_user_tables
         WHERE relname = ANY(%s) AND schemaname = current_schema()
           AND n_tup_ins + n_tup_upd + n_tup_del > 0
    """, [list(tables)])
    return [row[0] for row in cr.fetchall()]


def refresh_stale_statistics(env, tables):
    """ANALYZE the stale ``tables``, in a short transaction of its own so that other workers
    are never blocked by it; gives up (the run goes on) when it cannot take its lock within a
    second. Where this transaction has written rows of its own in them, they are analyzed in
    it instead: a transaction of its own would not see those rows and would have PostgreSQL
    plan the tables as empty for the rest of the run. Returns the tables analyzed."""
    stale = stale_tables(env.cr, tables)
    if not stale:
        return []
    if written_in_transaction(env.cr, stale):
        return analyze_in_transaction(env.cr, stale)
    try:
        with env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '1s'")
            stale = _with_rows(cr, stale)
            if stale:
                cr.execute(SQL("ANALYZE %s", SQL(', ').join(SQL.identifier(t) for t in stale)))
    except Exception as error:  # statistics are an optimisation: never fail the run
        _logger.info("Could not analyze %s: %s", ', '.join(stale), error)
        return []
    if stale:
        _logger.info("Analyzed %s: their statistics were stale", ', '.join(stale))
    return stale


def _with_rows(cr, tables):
    """The ``tables`` in which ``cr``'s transaction sees a row. The others are never analyzed:
    their statistics would say they are empty (PostgreSQL then plans them as empty, whatever
    the other transactions, or this one later, write in them, until they are analyzed again);
    left as they are, they are planned by their size."""
    if not tables:
        return []
    cr.execute(SQL("SELECT %s", SQL(", ").join(
        SQL("EXISTS (SELECT FROM %s)", SQL.identifier(table)) for table in tables)))
    return [table for table, has_rows in zip(tables, cr.fetchone(), strict=True) if has_rows]


def refresh_stale_statistics_in_transaction(cr, tables):
    """ANALYZE the stale ``tables`` inside the current transaction, which sees the rows it has
    written itself (a run that creates thousands of invoices before it commits: a separate
    transaction would analyze the tables without them). Returns the tables analyzed."""
    stale = stale_tables(cr, tables)
    return analyze_in_transaction(cr, stale) if stale else []


def analyze_in_transaction(cr, stale):
    """ANALYZE the ``stale`` tables in which it sees a row in the current transaction. The
    lock ANALYZE takes is kept until the transaction ends; it only excludes other ANALYZE and
    VACUUM runs, and it is waited for a second at most (the run goes on without it). Returns
    the tables analyzed."""
    stale = _with_rows(cr, stale)
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
