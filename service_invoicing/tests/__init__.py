from . import test_invoice_period
from . import test_service_contract
from . import test_contract_invoicing
from . import test_contract_invoice_wizard
from . import test_contract_concurrency
from . import test_service_order_posting
from . import test_shipment_invoicing
from . import test_ui_tours
