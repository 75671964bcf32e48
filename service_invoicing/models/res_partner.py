"""Customer ranks raised per chunk when a batch posts invoices.

Odoo's posting raises the rank of each invoice's customer (and its company) one customer at a
time: a customer ranked already is raised after the commit (``_increase_rank`` keeps it for
then), a customer never invoiced before (rank 0) is written at once, one write each. While a
batch posts (``account.move._service_post_created`` / ``_service_post``), those first ranks are
gathered and written together when Odoo's posting ends, one write per rank: the same ranks in
the same transaction.
"""

from collections import defaultdict

from odoo import models

# ``cr.cache``: {(rank field, partner id): first rank} gathered while a batch posts.
PENDING_RANKS_KEY = 'service_invoicing.pending_ranks'


class ResPartner(models.Model):
    _inherit = 'res.partner'

    def _increase_rank(self, field, n=1):
        # EXTENDS account: the first rank of a customer gathered while a batch posts.
        pending = self.env.cr.cache.get(PENDING_RANKS_KEY)
        if pending is None:
            return super()._increase_rank(field, n)
        # Met again in the same posting: its first rank written now, then raised as Odoo does.
        self._service_write_pending_ranks(
            {key for key in pending if key[0] == field and key[1] in self.ids})
        first = self.sudo().filtered(lambda partner: partner.id and not partner[field])
        for partner in first:
            pending[field, partner.id] = n
        return super(ResPartner, self - first)._increase_rank(field, n)

    def _service_write_pending_ranks(self, keys=None):
        """Write the first ranks gathered (those of ``keys``, or all), one write per rank."""
        pending = self.env.cr.cache.get(PENDING_RANKS_KEY) or {}
        groups = defaultdict(list)
        for key in list(pending if keys is None else keys):
            groups[key[0], pending.pop(key)].append(key[1])
        for (field, rank), partner_ids in groups.items():
            self.sudo().browse(partner_ids).write({field: rank})
