"""Constants of project billing."""

# How invoice lines show the time they bill.
TIMESHEET_INVOICE_DETAILS = [
    ('grouped', "One Line per Order Line"),
    ('timesheet', "One Line per Timesheet"),
]

# A not-to-exceed limit of a time-and-material order line.
NOT_TO_EXCEED_TYPES = [
    ('amount', "Amount"),
    ('hours', "Hours"),
]

# What an approved or invoiced timesheet keeps: what it bills and for whom.
TIMESHEET_BILLED_FIELDS = {
    'unit_amount', 'date', 'employee_id', 'user_id', 'project_id', 'task_id', 'so_line',
    'product_uom_id', 'name', 'amount',
}
# What Odoo keeps as it is on a billed timesheet (sale_timesheet recomputes a timesheet's
# project, partner and order line only while it is not billed) and what follows from them
# alone: linking timesheets to their invoice leaves them, unrecomputed.
TIMESHEET_FROZEN_WHEN_BILLED = (
    'project_id', 'partner_id', 'so_line', 'task_id', 'parent_task_id', 'order_id',
    'timesheet_invoice_type',
)
# Written only by approval, invoicing and their undoing.
TIMESHEET_APPROVAL_FIELDS = {
    'service_approved', 'service_approved_by_id', 'service_approved_date',
    'service_qty_non_chargeable',
}

# What a milestone bills of its order line: kept once it is invoiced.
MILESTONE_SHARE_FIELDS = {'quantity_percentage', 'product_uom_qty', 'sale_line_id'}

# Frequencies of Generate Periodic Milestones, in months (0: weeks, see the wizard).
MILESTONE_FREQUENCIES = [
    ('weekly', "Weekly"),
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
]
