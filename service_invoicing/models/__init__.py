from . import service_contract
from . import service_contract_line
from . import service_contract_period
from . import service_contract_billing
from . import account_move
from . import account_move_line
from . import sale_order
