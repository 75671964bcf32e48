from . import portal_contracts
