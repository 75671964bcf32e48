from . import invoice_period
