"""Generate Periodic Milestones (Project Operations): a fixed-price order line split into
equal, dated milestones that add up exactly to the line."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.service_invoicing.tools.formatting import format_quantity

from ..const import MILESTONE_FREQUENCIES

# The step between two milestones of each frequency.
FREQUENCY_STEPS = {
    'weekly': relativedelta(weeks=1),
    'monthly': relativedelta(months=1),
    'quarterly': relativedelta(months=3),
}


def milestone_deadlines(start, frequency, count):
    """``count`` deadlines from ``start``, one per period of ``frequency``; each counted from
    the start (31 January monthly: 28 February, 31 March...), so that months never drift."""
    return [start + FREQUENCY_STEPS[frequency] * index for index in range(count)]


def equal_shares(quantity, count, round_quantity):
    """``count`` equal shares of ``quantity`` rounded by ``round_quantity``; the last one takes
    what rounding left, so that they add up exactly to ``quantity``."""
    share = round_quantity(quantity / count)
    return [share] * (count - 1) + [round_quantity(quantity - share * (count - 1))]


class ServiceMilestoneGenerateWizard(models.TransientModel):
    _name = 'service.milestone.generate.wizard'
    _description = "Generate Periodic Milestones"

    sale_line_id = fields.Many2one(
        'sale.order.line', string="Order Line", required=True,
        domain="[('qty_delivered_method', '=', 'milestones'), ('state', '=', 'sale')]")
    project_id = fields.Many2one(
        'project.project', compute='_compute_project_id', store=True, readonly=False,
        precompute=True, required=True, domain="[('is_template', '=', False)]")
    date_start = fields.Date(string="First Deadline", required=True,
                             default=fields.Date.context_today)
    frequency = fields.Selection(MILESTONE_FREQUENCIES, required=True, default='monthly')
    milestone_count = fields.Integer(string="Number of Milestones", required=True, default=3)
    existing_count = fields.Integer(string="Existing Milestones",
                                    compute='_compute_existing_count')
    replace_existing = fields.Boolean(
        string="Replace Existing Milestones",
        help="Delete the order line's milestones (none of them billed) and generate new ones.")

    @api.depends('sale_line_id')
    def _compute_project_id(self):
        for wizard in self:
            line = wizard.sale_line_id
            wizard.project_id = line.order_id.project_id or line.project_id \
                or line.service_milestone_ids.project_id[:1] or wizard.project_id

    @api.depends('sale_line_id')
    def _compute_existing_count(self):
        for wizard in self:
            wizard.existing_count = len(wizard.sale_line_id.service_milestone_ids)

    def action_generate(self):
        """Generate the milestones: equal shares of the order line, dated one period apart."""
        self.ensure_one()
        line = self.sale_line_id
        # The user's own rights, as if they edited the order line and created milestones.
        line.check_access('write')
        self.env['project.milestone'].check_access('create')
        self.project_id.check_access('read')
        self._check_can_generate()
        existing = line.service_milestone_ids
        if existing:
            existing.unlink()
        if not self.project_id.allow_milestones:
            self.project_id.allow_milestones = True
        milestones = self.env['project.milestone'].create(self._milestone_vals_list())
        # Odoo computes quantity_percentage and product_uom_qty from each other and leaves the
        # percentage to recompute after create: reading product_uom_qty first in the same
        # transaction would store 0 (the whole line). Stored now, the shares stay as given.
        milestones.flush_recordset(['quantity_percentage'])
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Milestones of %(line)s", line=self._line_label()),
            'res_model': 'project.milestone',
            'view_mode': 'list,form',
            'views': [(False, 'list'), (False, 'form')],
            'domain': [('id', 'in', milestones.ids)],
            'context': {'default_project_id': self.project_id.id,
                        'default_sale_line_id': line.id},
        }

    def _check_can_generate(self):
        line = self.sale_line_id
        if line.qty_delivered_method != 'milestones':
            raise UserError(self.env._(
                "%(line)s (order %(order)s) is not invoiced on milestones: choose a fixed-price "
                "line whose product is invoiced on milestones.",
                line=self._line_label(), order=line.order_id.name))
        if self.milestone_count < 1:
            raise UserError(self.env._(
                "Generate at least one milestone for %(line)s.", line=self._line_label()))
        uom = line.product_uom_id
        if any(uom.compare(share, 0.0) <= 0 for share in self._shares()):
            raise UserError(self.env._(
                "%(count)s milestones cannot share %(quantity)s %(unit)s of %(line)s: each "
                "would bill nothing. Generate fewer milestones.", count=self.milestone_count,
                quantity=format_quantity(self.env, line.product_uom_qty), unit=uom.name,
                line=self._line_label()) if self.milestone_count > 1 else self.env._(
                "A milestone cannot bill %(quantity)s %(unit)s of %(line)s: raise the quantity "
                "of the line first.", quantity=format_quantity(self.env, line.product_uom_qty),
                unit=uom.name, line=self._line_label()))
        existing = line.service_milestone_ids
        billed = existing._service_billed()
        if billed:
            raise UserError(self.env._(
                "%(line)s already has billed milestones (%(milestones)s): they cannot be "
                "replaced. Credit their invoices first, or add milestones by hand.",
                line=self._line_label(), milestones=', '.join(billed.mapped('name'))))
        if existing and not self.replace_existing:
            if len(existing) == 1:
                raise UserError(self.env._(
                    "%(line)s already has a milestone (%(milestone)s): tick Replace Existing "
                    "Milestones to delete it and generate new ones.",
                    line=self._line_label(), milestone=existing.name))
            raise UserError(self.env._(
                "%(line)s already has %(count)s milestones (%(milestones)s): tick Replace "
                "Existing Milestones to delete them and generate new ones.",
                line=self._line_label(), count=len(existing),
                milestones=', '.join(existing.mapped('name'))))

    def _shares(self):
        line = self.sale_line_id
        return equal_shares(line.product_uom_qty, self.milestone_count,
                            line.product_uom_id.round)

    def _milestone_vals_list(self):
        line = self.sale_line_id
        deadlines = milestone_deadlines(self.date_start, self.frequency, self.milestone_count)
        return [{
            'name': self.env._("%(line)s %(index)s/%(count)s", line=self._line_label(),
                               index=index, count=self.milestone_count),
            'project_id': self.project_id.id,
            'sale_line_id': line.id,
            'sequence': index,
            'deadline': deadline,
            # As Odoo creates milestones: the share as a fraction of the ordered quantity.
            'quantity_percentage': share / line.product_uom_qty,
        } for index, (deadline, share) in enumerate(zip(deadlines, self._shares(), strict=True),
                                                    start=1)]

    def _line_label(self):
        """The order line's description, its first line (the product's name)."""
        line = self.sale_line_id
        return (line.name or '').split('\n')[0] or line.product_id.display_name
