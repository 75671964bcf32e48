"""The test report of a proforma run (Create Proforma Invoices, and the bridges' runs such as
Invoice Project): what the run would make, made by nothing."""

from collections import defaultdict

from odoo import models
from odoo.tools import format_date

from ..tools.report_source import ReportSource


class ServiceProformaRun(models.AbstractModel):
    _inherit = 'service.proforma.run'  # pylint: disable=consider-merging-classes-inherited

    # The origin of the run's test report (``service.test.report``'s ``ORIGINS``).
    _service_test_report_origin = 'proformas'

    def action_test_report(self):
        """Test Report: every contract and order the run would bill (period, amount, lines,
        on which proforma) or why not, the proformas with their taxes, accounts and due
        dates, and every problem; writes nothing. Create as Shown makes them."""
        self.ensure_one()
        return self.env['service.test.report']._open_for(self._service_test_report_origin, self)

    def _service_test_report_notes(self):
        """What the run says it leaves in the backlog (a run adds its own)."""
        return []

    def _service_test_report_source(self):
        """What the run would make: the ready items chosen (``_items``), grouped and built
        as ``service.billing.item._create_proformas`` builds them, and the items it would
        leave out, with their contract or order."""
        self.ensure_one()
        Report = self.env['service.test.report']
        grouping = dict(self._fields['grouping']._description_selection(self.env))[
            self.grouping]
        source = ReportSource(options=self.env._(
            "Items ready up to %(cutoff)s, invoice date %(date)s, %(grouping)s: draft proforma "
            "invoices.", cutoff=format_date(self.env, self.cutoff_date),
            date=format_date(self.env, self.invoice_date), grouping=grouping))
        items = self._items()
        source.problems += [('info', 'left_out', note)
                            for note in self._service_test_report_notes()]
        if not items:
            source.problems.append(('error', 'refused', self.env._(
                "Nothing is ready to invoice up to %(date)s for this choice: mark backlog "
                "items ready first.", date=format_date(self.env, self.cutoff_date))))
            return source
        pieces, refused = items._invoice_pieces()
        groups = defaultdict(list)
        for piece in pieces:
            groups[piece['key'][self.grouping]].append(piece)
        notes = []
        source.vals_list = [items._proforma_vals(
            group, self.invoice_date, deduct_down_payments=self.deduct_down_payments,
            notes=notes) for group in groups.values()]
        source.problems += list(dict.fromkeys(
            ('error', 'contract' if item.contract_id else 'refused', reason)
            for item, reason in refused))
        source.problems += [('warning', 'down_payment', note) for note in notes]
        source.rows = Report._rows_of_invoices(source.vals_list)
        billed = {(row['contract_id'], row['order_id']) for row in source.rows}
        for item, reason in refused:
            key = (item.contract_id.id, False) if item.contract_id \
                else (False, item.order_id.id)
            if key in billed or not any(key):
                continue
            billed.add(key)
            source.rows.append({
                'status': 'refused', 'contract_id': key[0], 'order_id': key[1],
                'partner_id': item.partner_id.id,
                'currency_id': (item.contract_id or item.order_id).currency_id.id,
                'message': reason})
        return source
