from . import test_shipments_through_deliveries
