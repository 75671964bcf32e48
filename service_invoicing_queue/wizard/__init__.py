from . import service_contract_invoice_wizard
from . import service_shipment_combine_wizard
