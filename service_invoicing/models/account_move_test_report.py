"""Test report of draft customer invoices: what posting them would post, and every problem."""

from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError

from ..tools.report_source import ReportSource
from ..tools.formatting import format_quantity

DRAFT_TYPES = ('out_invoice', 'out_refund')


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    def action_service_test_report(self):
        """Test Report: what posting these drafts would post, and every problem; writes
        nothing. Post as Shown posts them."""
        if not self._service_drafts_to_post():
            raise UserError(self.env._(
                "Choose draft customer invoices or credit notes: a test report shows what "
                "posting them would post."))
        return self.env['service.test.report']._open_for('drafts', self)

    def _service_drafts_to_post(self):
        return self.filtered(lambda move: move.state == 'draft' and move.move_type in DRAFT_TYPES)

    def _service_test_report_source(self):
        """The drafts as they are (posting them posts exactly these lines); the other
        invoices chosen are left out."""
        drafts = self._service_drafts_to_post()
        problems = [('info', 'left_out', self.env._(
            "%(invoice)s is not a draft customer invoice or credit note: it is left out.",
            invoice=move.display_name)) for move in self.sorted('id') - drafts]
        for move in drafts:
            # What posting checks of the contract periods and shipment lines a draft bills.
            try:
                move.invoice_line_ids._service_check_sources()
                move._service_check_billed_periods()
            except UserError as error:
                problems.append(('error', 'refused', error.args[0]))
        return ReportSource(
            options=self.env._("Post 1 draft customer invoice or credit note.")
            if len(drafts) == 1 else self.env._(
                "Post %(count)s draft customer invoices and credit notes.", count=len(drafts)),
            moves=drafts.sorted('id'), post=True,
            problems=problems + drafts._service_billed_quantity_problems())

    def _service_billed_quantity_problems(self):
        """Posting refuses to invoice more of an order line than was shipped and not consumed
        (``sale.order.line._service_check_billed_quantities``): the same rule, ahead of
        posting these drafts together, as [(level, kind, message)]."""
        billed = defaultdict(float)
        for line in self.invoice_line_ids:
            sign = -1 if line.move_id.move_type == 'out_refund' else 1
            for order_line in line.sale_line_ids:
                billed[order_line] += sign * line.product_uom_id._compute_quantity(
                    line.quantity, order_line.product_uom_id)
        problems = []
        for order_line, quantity in billed.items():
            if order_line.is_downpayment or order_line.display_type \
                    or not order_line._service_is_postable() \
                    or order_line.product_id.invoice_policy != 'delivery':
                continue
            available = order_line.qty_delivered - order_line.service_qty_consumed
            invoiced = order_line.qty_invoiced_posted + quantity
            if order_line.product_uom_id.compare(invoiced, available) > 0:
                problems.append(('error', 'quantity', self.env._(
                    "%(product)s of order %(order)s would be invoiced %(invoiced)s times but "
                    "only %(available)s were shipped and not consumed: you cannot invoice what "
                    "has not been shipped. Lower the quantity on the draft.",
                    product=order_line.product_id.display_name, order=order_line.order_id.name,
                    invoiced=format_quantity(self.env, invoiced),
                    available=format_quantity(self.env, available))))
        return problems
