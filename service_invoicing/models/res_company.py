import math

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from ..const import BILLING_YEARS_AHEAD, EARLIEST_BILLING_DATE


class ResCompany(models.Model):
    _inherit = 'res.company'

    service_backlog_contract_ready = fields.Boolean(
        string="Contract Periods Start Ready", default=True,
        help="New contract periods in the billing backlog are ready to invoice.")
    service_backlog_shipment_ready = fields.Boolean(
        string="Shipments Start Ready", default=True,
        help="New shipment lines in the billing backlog are ready to invoice.")

    def _service_date_range(self):
        """(first, last): the dates this company can bill. From 1990 (or its posted opening
        balance, if later) to ten years after today."""
        self.ensure_one()
        first = fields.Date.to_date(EARLIEST_BILLING_DATE)
        opening = self.sudo().account_opening_move_id
        if opening.state == 'posted' and opening.date:
            first = max(first, opening.date)
        last = fields.Date.context_today(self) + relativedelta(years=BILLING_YEARS_AHEAD)
        return first, last

    def _service_check_dates(self, what, *dates):
        """Refuse the ``dates`` of ``what`` (a record's name and field, in words, or a
        function that says it, called only to refuse) that lie outside the dates this company
        can bill: the one owner of the date bounds of contracts, invoices, proformas,
        schedules and runs."""
        dates = [fields.Date.to_date(day) for day in dates if day]
        if not dates:
            return
        self.ensure_one()
        first, last = self._service_date_range()
        for day in dates:
            if not first <= day <= last:
                raise ValidationError(self.env._(
                    "%(what)s: %(date)s is outside the dates %(company)s can bill, "
                    "%(first)s to %(last)s. Correct the date.",
                    what=what() if callable(what) else what, date=format_date(self.env, day),
                    company=self.name,
                    first=format_date(self.env, first), last=format_date(self.env, last)))

    def _service_check_finite(self, what, *values):
        """Refuse a quantity, share or amount that is not a number (NaN) or infinite."""
        for value in values:
            if value is not None and value is not False and not math.isfinite(value):
                raise ValidationError(self.env._(
                    "%(what)s: %(value)s is not a number that can be billed. Type a number.",
                    what=what, value=value))

    def _service_check_finite_vals(self, what, vals, names):
        """``_service_check_finite`` of the ``names`` given in ``vals`` (create or write
        values), before Odoo's rounding of a field with digits crashes on them."""
        self._service_check_finite(what, *(
            vals[name] for name in names if isinstance(vals.get(name), float)))
