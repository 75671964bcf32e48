from . import test_killed_runner
from . import test_queued_runs
from . import test_queued_combine
