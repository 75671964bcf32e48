"""Proforma lines of time and milestones: what they bill, said on the invoice.

Time is one line per order line with its date range, hours and employees (or, by the company's
setting, one line per timesheet with its description); a milestone is one line with its name.
Prices, taxes and accounts are the order line's own (``_prepare_invoice_line``), as Odoo's
Create Invoice bills them.
"""

from odoo import models
from odoo.fields import Command
from odoo.tools import format_date

from odoo.addons.service_invoicing.tools.formatting import format_quantity

from .service_billing_item import PROJECT_SOURCES


class ServiceBillingItem(models.Model):
    _inherit = 'service.billing.item'  # pylint: disable=consider-merging-classes-inherited

    def _other_pieces(self):
        project_items = self.filtered(lambda item: item.source_type in PROJECT_SOURCES)
        pieces, refused = super(ServiceBillingItem, self - project_items)._other_pieces() \
            if self - project_items else ([], [])
        default_journals, dates = {}, {}
        for sale_line, items in project_items.grouped('sale_line_id').items():
            order = sale_line.order_id
            if order.state != 'sale':
                refused += [(item, self.env._(
                    "The order %(order)s is not confirmed: nothing of it is invoiced.",
                    order=order.name)) for item in items]
                continue
            by_source = items.grouped('source_type')
            lines = by_source.get('timesheet', items.browse())._service_time_lines(
                sale_line, dates) \
                + by_source.get('milestone', items.browse())._service_milestone_lines(sale_line)
            if lines:
                pieces.append(self._order_piece(order, lines, default_journals))
        return pieces, refused

    def _service_time_lines(self, sale_line, dates=None):
        """Invoice line values of these timesheet items of ``sale_line``; ``dates``: the
        dates already written in the user's language ({date: text}), shared by the order
        lines of one run (a month has 31 days, a run hundreds of lines)."""
        if not self:
            return []
        dates = {} if dates is None else dates

        def written(day):
            if day not in dates:
                dates[day] = format_date(self.env, day)
            return dates[day]
        uom = sale_line.product_uom_id
        items = self.sorted(lambda item: (item.date, item.id))
        if sale_line.company_id.service_timesheet_invoice_detail == 'timesheet':
            return [sale_line._prepare_invoice_line(
                quantity=item.qty_to_invoice,
                name=self.env._("%(line)s\n%(date)s, %(employee)s: %(description)s",
                                line=sale_line.name, date=written(item.date),
                                employee=item.employee_id.name or '',
                                description=item.name),
                service_timesheet_ids=[Command.set(item.timesheet_id.ids)],
            ) for item in items]
        quantity = uom.round(sum(items.mapped('qty_to_invoice')))
        first, last = items[0].date, items[-1].date
        period = written(first) if first == last else self.env._(
            "%(first)s to %(last)s", first=written(first), last=written(last))
        employees = ', '.join(sorted(set(items.employee_id.mapped('name'))))
        return [sale_line._prepare_invoice_line(
            quantity=quantity,
            name=self.env._("%(line)s\n%(dates)s: %(quantity)s %(unit)s (%(employees)s)",
                            line=sale_line.name, dates=period,
                            quantity=format_quantity(self.env, quantity),
                            unit=uom.name, employees=employees),
            service_timesheet_ids=[Command.set(items.timesheet_id.ids)],
        )]

    def _service_milestone_lines(self, sale_line):
        """Invoice line values of these milestone items of ``sale_line``: one per milestone."""
        return [sale_line._prepare_invoice_line(
            quantity=item.qty_to_invoice,
            name=self.env._("%(line)s\nMilestone: %(milestone)s", line=sale_line.name,
                            milestone=item.milestone_id.name),
            service_milestone_id=item.milestone_id.id,
        ) for item in self.sorted(lambda item: (item.date, item.id))]
