from . import service_timesheet_approval_wizard
from . import service_proforma_wizard
from . import service_milestone_generate_wizard
from . import service_project_invoice_wizard
from . import service_project_test_report
