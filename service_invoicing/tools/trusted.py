"""Writes that only the product's own flows may make (statuses, billing errors).

Every client reaches the models through the same ``write``: a form, an import, JSON-RPC with
any context it likes. A context key a client could send would unlock nothing, so the key
holds an object that no request can carry: only code that imports this module can set it.
"""

_KEY = 'service_invoicing_trusted'
_TOKEN = object()


def trusted(records):
    """``records`` in an environment whose writes come from the product's own flows."""
    return records.with_context(**{_KEY: _TOKEN})


def is_trusted(records):
    """Whether the write comes from the product's own flows (``trusted``)."""
    return records.env.context.get(_KEY) is _TOKEN
