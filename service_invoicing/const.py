"""Constants shared by models and wizards (as Odoo's ``sale/const.py``)."""

# --- Service contracts -------------------------------------------------------------------

INVOICE_PERIODS = [
    ('month', "Month"),
    ('two_months', "Two Months"),
    ('quarter', "Quarter"),
    ('half_year', "Half Year"),
    ('year', "Year"),
    ('none', "None"),
]

# Fields that decide what a signed contract bills (amounts, taxes, dates, periods, grouping):
# editing them needs Change Status "Open".
CONTRACT_LOCKED_FIELDS = {
    'partner_id', 'partner_invoice_id', 'company_id', 'currency_id', 'pricelist_id',
    'journal_id', 'payment_term_id', 'fiscal_position_id', 'date_start', 'date_end',
    'invoice_period', 'prepaid', 'invoice_after_service', 'combine_invoices', 'annual_amount',
    'allow_unbalanced_amounts', 'line_ids',
}
# Derived from the lines and the billed periods, or written by the invoicing runs: never
# written by hand, whatever the status.
CONTRACT_DERIVED_FIELDS = {
    'calculated_annual_amount', 'invoiced_until', 'next_period_start', 'next_period_end',
    'next_invoice_date', 'period_ids', 'invoice_error', 'last_price_update_date',
    'last_price_update_percent', 'price_history_ids',
}
# Changed only by the contract's actions (Sign, Open for Changes, Lock, Cancel, Set to Quote).
CONTRACT_STATUS_FIELDS = {'state', 'change_status'}
# Derived from the product, the pricelist or the contract: never written by hand.
CONTRACT_LINE_DERIVED_FIELDS = {'line_amount', 'company_id', 'currency_id', 'technical_price_unit'}

# Above this a year, amounts are no longer exact to the cent in floating point (2**53 cents is
# about 9e13): such lines are refused rather than billed approximately.
CONTRACT_MAX_LINE_AMOUNT = 1e13

# Contracts per chunk of a run: locked, planned, created (and committed by the daily job)
# together.
CONTRACT_CHUNK_SIZE = 200

# System parameter: '0' (or 'False') sends every invoice through Odoo's standard create.
FAST_CREATE_PARAM = 'service_invoicing.fast_invoice_create'
# '0': the batches write the invoices' chatter one invoice at a time, as Odoo does
# (account.move._service_chatter_batched).
BATCHED_CHATTER_PARAM = 'service_invoicing.batched_chatter'
# Invoice shapes checked against Odoo's standard create in this transaction (``cr.cache``):
# {shape: why it differs, or ''}.
SHAPES_CACHE_KEY = 'service_invoicing.checked_shapes'

# Proforma invoices created per call of the complete create (all in one transaction).
PROFORMA_CHUNK_SIZE = 200

# --- Contract price updates ------------------------------------------------------------------

# How a price update computes the new prices (``service.price.update._new_prices``).
PRICE_UPDATE_METHODS = [
    ('percentage', "Percentage"),
    ('index', "Price Index"),
    ('pricelist', "Current Pricelist Price"),
]
PRICE_ROUNDINGS = [
    ('currency', "Currency"),
    ('step', "Step"),
]
PRICE_UPDATE_STATES = [
    ('draft', "Draft"),
    ('proposed', "Proposal to Review"),
    ('applied', "Applied"),
]

# --- Service orders and shipments -------------------------------------------------------------

POSTING_OPTIONS = [
    ('ship', "Ship"),
    ('invoice', "Invoice"),
    ('ship_invoice', "Ship and Invoice"),
    ('consume', "Consume"),
]
# The quantities each option posts.
POSTED_QUANTITIES = {
    'ship': {'ship'},
    'invoice': {'invoice'},
    'ship_invoice': {'ship', 'invoice'},
    'consume': {'ship', 'consume'},
}

# The invoicing status of a posted shipment, and of a delivery with the Inventory bridge: what
# its lines left to invoice (``service.shipment.line._invoice_status``).
INVOICE_STATUSES = [
    ('nothing', "Nothing to Invoice"),
    ('to_invoice', "To Invoice"),
    ('partial', "Partly Invoiced"),
    ('invoiced', "Fully Invoiced"),
]

# Figures of an order line that its posted shipments give: never written by hand.
SERVICE_ORDER_LINE_POSTED_FIELDS = {
    'shipment_line_ids', 'service_qty_consumed', 'service_qty_shipped_not_invoiced',
    'service_qty_in_draft',
}

# What an invoice line bills: set when the product's own flows create the line, never
# re-pointed afterwards. Read through account.move.line._service_link_fields, which the
# bridges extend with theirs.
INVOICE_LINE_LINK_FIELDS = (
    'service_contract_id', 'service_period_start', 'service_period_end',
    'service_shipment_line_id',
)

# --- Billing backlog ---------------------------------------------------------------------

# What feeds the backlog, named for the source (docs/glossary.md); bridges add theirs
# (selection_add).
BILLING_SOURCE_TYPES = [
    ('contract_period', "Contract Period"),
    ('shipment_line', "Shipment Line"),
]
# Project Operations' billing statuses, and what leaves the backlog without a bill.
BILLING_STATUSES = [
    ('not_ready', "Not Ready to Invoice"),
    ('ready', "Ready to Invoice"),
    ('invoice_created', "Invoice Created"),
    ('invoice_posted', "Invoice Posted"),
    ('non_chargeable', "Non-Chargeable"),
]
# The billing statuses of items on no invoice yet: Waiting or To Invoice (docs/glossary.md).
OPEN_STATUSES = ('not_ready', 'ready')

# The payment status of an invoiced backlog item (Invoice Posted only, docs/glossary.md).
PAYMENT_STATUSES = [
    ('not_paid', "Not Paid"),
    ('partial', "Partially Paid"),
    ('paid', "Paid"),
]

# The billing type of a proforma line (Project Operations).
BILLING_TYPES = [
    ('chargeable', "Chargeable"),
    ('non_chargeable', "Non-Chargeable"),
    ('complimentary', "Complimentary"),
]

# --- Invoice schedules -----------------------------------------------------------------------

SCHEDULE_FREQUENCIES = [
    ('monthly', "Monthly"),
    ('biweekly', "Every Two Weeks"),
    ('weekly', "Weekly"),
]
SCHEDULE_RUN_STATUSES = [
    ('not_run', "Not Run"),
    ('succeeded', "Run Successful"),
    ('failed', "Run Failed"),
]
WEEKDAYS = [
    ('0', "Monday"), ('1', "Tuesday"), ('2', "Wednesday"), ('3', "Thursday"),
    ('4', "Friday"), ('5', "Saturday"), ('6', "Sunday"),
]

# --- Sending ------------------------------------------------------------------------------

# The sending status of a customer invoice: what a clerk reads in the list, and what the
# sending workers keep of each invoice (``account_move_sending.py``).
SENDING_STATUSES = [
    ('not_sent', "Not Sent"),
    ('queued', "Queued"),
    ('sending', "Sending"),
    ('retrying', "Retrying"),
    ('sent', "Sent"),
    ('failed', "Failed"),
    ('skipped', "Skipped"),
]
# Still to go out: waiting for a worker, in Odoo's mail queue, or to be tried again (the
# filter Queued for Sending).
SENDING_QUEUED_STATUSES = ('queued', 'sending', 'retrying')
# Queued invoices a sending worker claims at a time (each one PDF render of about a second).
SENDING_BATCH = 2
# The oldest queued invoices a worker looks at to claim a batch (the others hold the rest).
SENDING_QUEUE_WINDOW = 100
# The scheduled actions that send queued invoices: all of them, copies included, are woken.
SENDING_CRON_CODE = 'model._service_send_queued_invoices()'

# Fields of an invoice that the engine records (proforma runs, batches, sending): never
# written through the API.
SERVICE_ENGINE_MOVE_FIELDS = {
    'service_proforma', 'service_cutoff_date', 'service_grouping', 'service_to_post',
    'service_sending_status', 'service_send_attempts', 'service_send_error',
    'service_send_next_try', 'service_send_refused_at', 'service_send_message_id',
    'service_sending_data', 'service_sent_on', 'service_sent_to',
}

# --- Bounds every document keeps ------------------------------------------------------------

# Dates a company can bill: not before this, nor more than this many years after today (and
# never before its opening balance, when one is posted). A date outside is a typing error.
EARLIEST_BILLING_DATE = '1990-01-01'
BILLING_YEARS_AHEAD = 10

# Periods of one contract a run bills without a Service Invoicing manager confirming it: more
# is a contract started long ago (or typed so), catching up years in one invoice.
MAX_PERIODS_AT_ONCE = 24
# Hours of timesheets an employee's day holds, and a correction of a day takes away, at most.
HOURS_PER_DAY = 24.0
