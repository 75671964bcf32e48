"""Prices of a contract over time: when they may be updated, and which apply to a period.

An applied price update (``service.price.update``) writes the new prices on the lines at once
and keeps each old price in the line's price history with the date the new one takes effect.
A period is billed at the prices in effect on its first day (``_annual_amount_on``), so an
update that takes effect on 1 January leaves December's invoice as it was, whenever December
is billed.
"""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import format_date


class ServiceContract(models.Model):
    _inherit = 'service.contract'  # pylint: disable=consider-merging-classes-inherited

    price_binding_date = fields.Date(
        string="No Price Update Before", tracking=True,
        help="The prices agreed are bound until this date: no price update takes effect "
             "before it.")
    price_update_interval = fields.Integer(
        string="Price Update Period (Months)", default=12, tracking=True,
        help="Months between two price updates: applying one moves the next price update date "
             "by this many months. 0: the contract's prices are not updated by runs.")
    next_price_update_date = fields.Date(
        compute='_compute_next_price_update_date', store=True, readonly=False, precompute=True,
        index=True, tracking=True,
        help="Update Contract Prices proposes this contract in a run whose update-to date is "
             "on or after this date.")
    last_price_update_date = fields.Date(
        compute='_compute_last_price_update', store=True,
        help="The date from which the latest prices applied to this contract take effect.")
    last_price_update_percent = fields.Float(
        string="Last Price Update %", compute='_compute_last_price_update', store=True,
        digits=(16, 2), help="How much the annual amount changed with the latest price update.")
    price_history_ids = fields.One2many(
        'service.contract.price.history', 'contract_id', readonly=True)

    @api.depends('date_start', 'price_update_interval')
    def _compute_next_price_update_date(self):
        for contract in self:
            if contract.price_update_interval <= 0 or not contract.date_start:
                contract.next_price_update_date = False
            elif not contract.last_price_update_date:
                contract.next_price_update_date = contract.date_start + relativedelta(
                    months=contract.price_update_interval)
            else:
                # Once updated, the date moves with the updates (``_next_price_update_after``).
                contract.next_price_update_date = contract.next_price_update_date

    @api.depends('price_history_ids.effective_date', 'price_history_ids.old_price',
                 'price_history_ids.new_price')
    def _compute_last_price_update(self):
        for contract in self:
            history = contract.price_history_ids
            last = max(history.mapped('effective_date'), default=False)
            contract.last_price_update_date = last
            changes = history.filtered(lambda change, last=last: change.effective_date == last)
            old = sum(change.contract_line_id._amount_per_year_at(change.old_price)
                      for change in changes)
            new = sum(change.contract_line_id._amount_per_year_at(change.new_price)
                      for change in changes)
            contract.last_price_update_percent = (new - old) / old * 100.0 if old else 0.0

    def _annual_amount_on(self, day):
        """The annual amount this contract bills for a period starting on ``day``: today's,
        unless a price change takes effect after ``day`` (then the sum of the lines at the
        prices in effect on ``day``). A typed annual amount (unbalanced) stays as typed."""
        self.ensure_one()
        line_amounts = self._line_amounts_on(day)
        if line_amounts is None:
            return self.annual_amount
        return self.currency_id.round(sum(line_amounts.values()))

    def _line_amounts_on(self, day):
        """{line: amount a year} at the prices in effect on ``day``, or None when today's
        prices are those (no change takes effect after ``day``): the batch reads no history
        for the contracts whose prices did not change since."""
        self.ensure_one()
        if self.allow_unbalanced_amounts or not self.last_price_update_date \
                or day >= self.last_price_update_date:
            return None
        # Read for every contract of the batch at once (prefetch), not one query each.
        history = self.sudo().price_history_ids.filtered(
            lambda change: change.effective_date > day)
        by_line = history.grouped('contract_line_id')
        return {
            line: line._amount_per_year_at(
                line._price_on(day, by_line.get(line, history.browse())))
            for line in self.line_ids
        }

    def _next_price_update_after(self, effective_date):
        """The next price update date once an update taking effect on ``effective_date`` is
        applied: moved by the contract's interval until it comes after that date."""
        self.ensure_one()
        if self.price_update_interval <= 0:
            return False
        step = relativedelta(months=self.price_update_interval)
        following = (self.next_price_update_date or effective_date) + step
        while following <= effective_date:
            following += step
        return following

    def _price_update_refusal(self, effective_date, ignore=None):
        """Why new prices cannot take effect on ``effective_date`` on this contract, or ''.
        ``ignore``: price changes being checked (already written in this transaction)."""
        self.ensure_one()
        name = self.display_name
        if self.invoiced_until and effective_date <= self.invoiced_until:
            return self.env._(
                "Contract %(contract)s is billed until %(billed)s: new prices cannot take effect "
                "on %(date)s, inside a period already billed. Choose an effective date after "
                "%(billed)s.", contract=name, billed=format_date(self.env, self.invoiced_until),
                date=format_date(self.env, effective_date))
        if self.price_binding_date and effective_date < self.price_binding_date:
            return self.env._(
                "The prices of contract %(contract)s may not change before %(binding)s (its "
                "price binding): new prices cannot take effect on %(date)s.", contract=name,
                binding=format_date(self.env, self.price_binding_date),
                date=format_date(self.env, effective_date))
        applied = (self.sudo().price_history_ids - (ignore or self.env[
            'service.contract.price.history'])).mapped('effective_date')
        latest = max(applied, default=False)
        if latest and effective_date < latest:
            return self.env._(
                "Contract %(contract)s has new prices taking effect on %(latest)s already: a "
                "price update cannot take effect before it (%(date)s).", contract=name,
                latest=format_date(self.env, latest), date=format_date(self.env, effective_date))
        return ''
