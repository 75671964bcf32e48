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
