from . import test_queued_runs
