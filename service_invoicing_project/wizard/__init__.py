from . import service_timesheet_approval_wizard
from . import service_proforma_wizard
