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
    'service_qty_non_chargeable', 'service_customer_state', 'service_time_approval_id',
    'service_customer_partner_id', 'service_customer_date', 'service_customer_comment',
}

# The customer's approval of a timesheet (project option Customer Approves Time); none:
# not asked (the project does not ask for it, or its manager did not approve the time yet).
CUSTOMER_APPROVAL_STATES = [
    ('to_approve', "Waiting for the Customer"),
    ('approved', "Approved by the Customer"),
    ('disputed', "Disputed by the Customer"),
]
# What the customer sees of a timesheet: the company changing one of them asks the customer
# again.
TIMESHEET_CUSTOMER_FIELDS = (
    'date', 'employee_id', 'name', 'unit_amount', 'product_uom_id', 'project_id', 'task_id',
    'so_line',
)
# A customer's approval request of a project's time of a period.
TIME_APPROVAL_STATES = [
    ('to_approve', "To Approve"),
    ('disputed', "Disputed"),
    ('approved', "Approved"),
    ('cancelled', "Nothing to Approve"),
]
TIME_APPROVAL_PERIODS = [
    ('week', "Week"),
    ('month', "Month"),
]

# What a milestone bills of its order line: kept once it is invoiced.
MILESTONE_SHARE_FIELDS = {'quantity_percentage', 'product_uom_qty', 'sale_line_id'}

# Frequencies of Generate Periodic Milestones, in months (0: weeks, see the wizard).
MILESTONE_FREQUENCIES = [
    ('weekly', "Weekly"),
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
]
