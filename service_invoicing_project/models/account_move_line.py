from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    service_timesheet_ids = fields.Many2many(
        'account.analytic.line', 'service_invoice_line_timesheet_rel', 'move_line_id',
        'timesheet_id', string="Timesheets Billed", copy=False, readonly=True,
        help="The timesheets whose hours this line bills (or credits).")
    service_milestone_id = fields.Many2one(
        'project.milestone', string="Milestone", index='btree_not_null', copy=False,
        readonly=True, help="The milestone this line bills (or credits).")

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._service_link_timesheets_to_invoices()
        return lines

    def unlink(self):
        timesheets = self.sudo().service_timesheet_ids
        result = super().unlink()
        # Odoo releases the timesheets of a deleted draft line; those billed elsewhere too
        # (partly credited, billed again) stay linked to their other invoice.
        timesheets.exists()._service_relink_invoices()
        return result

    def _copy_data_extend_business_fields(self, values):
        # A credit note credits the timesheets and milestone of the line it corrects.
        result = super()._copy_data_extend_business_fields(values)
        values.update({
            'service_timesheet_ids': [fields.Command.set(self.service_timesheet_ids.ids)],
            'service_milestone_id': self.service_milestone_id.id,
        })
        return result

    @api.constrains('service_timesheet_ids', 'service_milestone_id', 'sale_line_ids')
    def _check_service_project_links(self):
        """A line bills timesheets and milestones of its own order line only."""
        for line in self.filtered(lambda line: line.service_timesheet_ids
                                  or line.service_milestone_id):
            sale_lines = line.sudo().sale_line_ids
            sources = line.sudo().service_timesheet_ids.so_line \
                | line.sudo().service_milestone_id.sale_line_id
            if line.move_id.move_type not in ('out_invoice', 'out_refund') \
                    or len(sale_lines) != 1 or sources != sale_lines:
                raise ValidationError(self.env._(
                    "The line %(line)s of %(invoice)s cannot bill these timesheets or this "
                    "milestone: only those of the order line it bills. Invoice them from the "
                    "billing backlog.", line=line.name or line.product_id.display_name,
                    invoice=line.move_id.display_name))

    def _timesheet_domain_get_invoiced_lines(self, sale_line_delivery):
        """Odoo's Create Invoice links to its invoice the timesheets it bills: the billable
        ones only (approved, with Timesheet Approval on). Time approved later is billed by
        the next invoice of its dates, and its employee may correct it until approved."""
        return Domain.AND([super()._timesheet_domain_get_invoiced_lines(sale_line_delivery),
                           self.env['account.analytic.line']._service_billable_domain()])

    @api.model
    def _service_link_fields(self):
        return super()._service_link_fields() + ('service_timesheet_ids', 'service_milestone_id')

    def _service_bills_backlog_source(self):
        return super()._service_bills_backlog_source() \
            or bool(self.service_timesheet_ids or self.service_milestone_id)

    def _service_check_billing_type(self, billing_type):
        result = super()._service_check_billing_type(billing_type)
        if billing_type == 'non_chargeable' and self.filtered('service_milestone_id'):
            raise UserError(self.env._(
                "A milestone cannot be non-chargeable (%(line)s): make it complimentary, or "
                "delete the line and mark the milestone not ready.",
                line=self.filtered('service_milestone_id')[0].name))
        return result

    def _service_link_timesheets_to_invoices(self):
        """Timesheets on an invoice are linked to it as Odoo links those it invoices: Odoo's
        own invoicing leaves them alone and they can no longer be changed."""
        for line in self.filtered(lambda line: line.service_timesheet_ids
                                  and line.move_id.move_type == 'out_invoice'):
            line.service_timesheet_ids.sudo().write({'timesheet_invoice_id': line.move_id.id})
