from . import service_contract
from . import service_invoicing_run
from . import service_invoicing_run_chunk
from . import service_shipment_line
