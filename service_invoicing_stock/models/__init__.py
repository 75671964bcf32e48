from . import service_shipment
from . import service_shipment_line
from . import sale_order_line
from . import stock_move
from . import stock_picking
