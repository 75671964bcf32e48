from . import invoice_period
from . import locking
