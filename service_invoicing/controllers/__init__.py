from . import portal_contracts
from . import portal_billing
