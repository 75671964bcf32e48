from . import service_contract_invoice_wizard
