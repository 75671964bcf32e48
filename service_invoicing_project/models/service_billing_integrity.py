"""The Projects bridge's invariants for the billing integrity check: timesheets and
milestones."""

from odoo import api, models
from odoo.tools import format_date

from odoo.addons.service_invoicing.tools.formatting import format_quantity

_CUSTOMER_DOCUMENTS = "move.move_type IN ('out_invoice', 'out_refund')"


class ServiceBillingIntegrity(models.AbstractModel):
    _inherit = 'service.billing.integrity'

    @api.model
    def _invariant_queries(self):
        return super()._invariant_queries() + [
            # Hours written off never below nothing nor beyond the hours logged.
            ('hours_written_off_beyond_logged', """
                SELECT 'account.analytic.line', id, company_id, service_qty_non_chargeable,
                       unit_amount
                  FROM account_analytic_line
                 WHERE service_qty_non_chargeable < -%(slack)s
                    OR (unit_amount >= 0
                        AND service_qty_non_chargeable > unit_amount + %(slack)s)"""),
            # A line bills the timesheets and the milestone of its own order line only.
            ('timesheet_of_another_order_line', f"""
                SELECT 'account.move.line', line.id, move.company_id, timesheet.id
                  FROM service_invoice_line_timesheet_rel rel
                  JOIN account_move_line line ON line.id = rel.move_line_id
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_analytic_line timesheet ON timesheet.id = rel.timesheet_id
                 WHERE move.state = 'posted' AND {_CUSTOMER_DOCUMENTS}
                   AND NOT EXISTS (
                       SELECT 1 FROM sale_order_line_invoice_rel sale_rel
                        WHERE sale_rel.invoice_line_id = line.id
                          AND sale_rel.order_line_id = timesheet.so_line)"""),
            # Time waiting for its customer, or disputed, is invoiced by no posted invoice.
            ('time_billed_before_customer_approval', """
                SELECT 'account.analytic.line', timesheet.id, timesheet.company_id,
                       item.qty_invoiced
                  FROM account_analytic_line timesheet
                  JOIN service_billing_item item ON item.timesheet_id = timesheet.id
                 WHERE timesheet.service_customer_state IN ('to_approve', 'disputed')
                   AND item.qty_invoiced > %(slack)s"""),
            # A milestone is on one open invoice at most.
            ('milestone_on_two_drafts', """
                SELECT 'project.milestone', line.service_milestone_id, MIN(move.company_id),
                       COUNT(DISTINCT move.id)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE move.state = 'draft' AND move.move_type = 'out_invoice'
                   AND line.service_milestone_id IS NOT NULL
                 GROUP BY line.service_milestone_id
                HAVING COUNT(DISTINCT move.id) > 1"""),
        ]

    @api.model
    def _invariant_descriptions(self):
        return {
            **super()._invariant_descriptions(),
            'hours_written_off_beyond_logged': lambda timesheet, written_off, logged: self.env._(
                "Timesheet %(timesheet)s of %(employee)s (%(date)s) has %(written_off)s hours "
                "written off for %(logged)s logged.", timesheet=timesheet.name,
                employee=timesheet.employee_id.name, date=format_date(self.env, timesheet.date),
                written_off=format_quantity(self.env, written_off),
                logged=format_quantity(self.env, logged)),
            'timesheet_of_another_order_line': lambda line, _timesheet: self.env._(
                "A line of %(invoice)s bills timesheets of another order line.",
                invoice=line.move_id.display_name),
            'time_billed_before_customer_approval': lambda timesheet, invoiced: self.env._(
                "The timesheet of %(employee)s on %(date)s (%(project)s) is invoiced "
                "(%(invoiced)s) but waits for its customer's approval.",
                employee=timesheet.employee_id.name, date=format_date(self.env, timesheet.date),
                project=timesheet.project_id.display_name,
                invoiced=format_quantity(self.env, invoiced)),
            'milestone_on_two_drafts': lambda milestone, count: self.env._(
                "Milestone %(milestone)s is on %(count)s draft invoices at once.",
                milestone=milestone.name, count=count),
        }

    @api.model
    def _finding_document(self, finding):
        record = super()._finding_document(finding)
        if record._name == 'account.analytic.line':
            return record.so_line.order_id or record.project_id
        if record._name == 'project.milestone':
            return record.sale_line_id.order_id or record.project_id
        return record
