"""Tests that drive Odoo from outside: they run the project's commands as a user would."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(args, env=None, timeout=900):
    """Run a project script and return its completed process (output captured)."""
    return subprocess.run(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=timeout, check=False)
