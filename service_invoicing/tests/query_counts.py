"""Query counts pinned beside Odoo's standard path, measured in the same test.

A test never pins an absolute number of queries: Odoo's own share moves from one revision of
19.0 to the next (a later one checks sequence gaps when it numbers an invoice: about four
queries more per invoice, on its standard path and on ours alike), and it is not ours to pin.
What is pinned is what ours adds: its growth per invoice beside the growth of Odoo's standard
create (or posting) of equivalent invoices, and its fixed cost beside Odoo's for the same
invoices. One query more per invoice in our code fails every such pin (a hundred invoices: a
hundred queries, where the allowances are ten to thirty).
"""

import copy


class QueryCounting:
    """For ``ServiceInvoicingCommon`` tests: count queries, and those of Odoo's standard path
    for the invoices of contracts."""

    def count_queries(self, function, *args):
        """(queries, result) of ``function(*args)`` from a cold cache, flushed."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = function(*args)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before, result

    def standard_invoice_vals(self, contracts, invoice_to_date):
        """The invoices these contracts bill up to ``invoice_to_date`` (one each), as values
        that a user could type: no contract period on their lines."""
        Contract = self.env['service.contract']
        vals_list = [Contract._prepare_invoice_vals([plan], invoice_to_date)
                     for plan in contracts._plan_invoicing(invoice_to_date)]
        for vals in vals_list:
            for _command, _id, line_vals in vals['invoice_line_ids']:
                for name in ('service_contract_id', 'service_period_start', 'service_period_end'):
                    line_vals.pop(name)
        return vals_list

    def standard_creates(self, *vals_lists):
        """[(queries, invoices)] of Odoo's standard create of each of ``vals_lists`` (one call
        each, with its line synchronisation), its caches warmed first by one invoice."""
        Move = self.env['account.move'].with_context(default_move_type='out_invoice')
        Move.create(copy.deepcopy(vals_lists[0][:1]))
        return [self.count_queries(Move.create, copy.deepcopy(vals_list))
                for vals_list in vals_lists]
