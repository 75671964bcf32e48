from . import service_contract_invoice_wizard
from . import service_order_post_wizard
from . import service_shipment_lines_wizard
from . import service_shipment_combine_wizard
from . import service_proforma_wizard
from . import service_invoice_correction_wizard
from . import service_test_report
from . import service_test_report_invoices
