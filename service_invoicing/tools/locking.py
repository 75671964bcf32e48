"""Row locks for runs that several workers share (``FOR UPDATE SKIP LOCKED``).

Odoo's transactions see the database as it was when they began (repeatable read): a row
another run changed and committed since then cannot be locked, PostgreSQL refuses with a
serialization failure. A run with nothing pending may commit and look again.
"""

import psycopg2.errors


def lock_rows(cr, query, params, commit_retries=0):
    """The ids ``query`` (a ``SELECT id ... FOR ... SKIP LOCKED``) locked, or None when rows
    changed since the transaction began. With ``commit_retries``, each refusal is followed by
    a commit (the caller has nothing pending) and, up to that many times, a new try."""
    for _attempt in range(max(commit_retries, 1)):
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, params, log_exceptions=False)
                return [row[0] for row in cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            if commit_retries:
                cr.commit()  # pylint: disable=invalid-commit
    return None
