from . import test_time_and_material
from . import test_milestones
from . import test_project_invoicing
from . import test_allocation
from . import test_money_as_odoo
from . import test_hours_and_shares
from . import test_backlog_rights_rpc
from . import test_randomized_hostile_run
