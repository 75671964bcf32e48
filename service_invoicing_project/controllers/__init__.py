from . import portal_time
