"""Row locks for runs that several workers share (``try_lock_for_update``: SKIP LOCKED).

Odoo's transactions see the database as it was when they began (repeatable read): a row
another run changed and committed since then cannot be locked, PostgreSQL refuses with a
serialization failure. A run with nothing pending may commit and look again.
"""

import psycopg2.errors


def try_lock(records, commit_retries=0, **options):
    """The part of ``records`` locked for this transaction (Odoo's ``try_lock_for_update``,
    with its ``options``), or None when rows changed since the transaction began. With
    ``commit_retries``, each refusal is followed by a commit (the caller has nothing pending)
    and, up to that many times, a new try."""
    cr = records.env.cr
    for _attempt in range(max(commit_retries, 1)):
        try:
            with cr.savepoint(flush=False):
                return records.try_lock_for_update(**options)
        except psycopg2.errors.SerializationFailure:
            if commit_retries:
                cr.commit()  # pylint: disable=invalid-commit
    return None
