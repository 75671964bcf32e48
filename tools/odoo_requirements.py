"""Print Odoo's Python requirements in a form that installs on Python 3.11 and newer.

Odoo 19's requirements.txt pins source-only releases for Python 3.11 (cbor2 5.4.2, ...)
that no longer build. The pins it gives for Python 3.12 ship wheels for 3.11 too and run
Odoo 19 fine, so markers are evaluated as if the interpreter were at least 3.12.
python-ldap is left out: it needs system headers and only serves LDAP login.
"""

import platform
import sys

from packaging.requirements import Requirement

SKIPPED = {"python-ldap", "pypiwin32", "rl-renderpm"}


def main(path):
    python_version = ".".join(platform.python_version_tuple()[:2])
    if tuple(map(int, python_version.split("."))) < (3, 12):
        python_version = "3.12"
    environment = {"python_version": python_version, "python_full_version": python_version + ".0"}
    with open(path, encoding="utf-8") as requirements:
        lines = requirements.read().splitlines()
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.name.lower() in SKIPPED:
            continue
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        requirement.marker = None
        print(requirement)


if __name__ == "__main__":
    main(sys.argv[1])
