from . import service_sql_report
from . import service_billing_revenue_report
from . import service_billing_ageing_report
from . import service_contract_forecast
