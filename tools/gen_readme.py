"""Write each addon's README.rst from its readme/ fragments, as OCA's oca-gen-addon-readme.

    python tools/gen_readme.py service_invoicing service_invoicing_stock   # write
    python tools/gen_readme.py --check service_invoicing ...               # fail if stale

The fragments (readme/DESCRIPTION.md, CONFIGURE.md, USAGE.md) are the source; README.rst is
what Odoo's Apps page and the code hosts show. The pre-commit hook runs it with --check.
"""

import ast
import re
import sys
from pathlib import Path

SECTIONS = (('DESCRIPTION.md', None), ('CONFIGURE.md', "Configuration"),
            ('USAGE.md', "Usage"))


def markdown_to_rst(text):
    """The little Markdown the fragments use: inline code, links, emphasis, lists."""
    text = re.sub(r'(?<!`)`([^`]+)`(?!`)', r'``\1``', text)
    text = re.sub(r'\[([^\]]+)\]\(([^)]+)\)', r'`\1 <\2>`_', text)
    return text.strip() + '\n'


def readme(addon):
    manifest = ast.literal_eval((addon / '__manifest__.py').read_text())
    title = manifest['name']
    parts = ['=' * len(title), title, '=' * len(title), '',
             '*' + manifest['summary'] + '*', '',
             f"Odoo {manifest['version'][:4]} · license {manifest['license']} · "
             f"depends on {', '.join(manifest['depends'])}", '']
    if manifest.get('auto_install'):
        parts += ["Installed by itself as soon as all of these are installed.", '']
    for fragment, heading in SECTIONS:
        path = addon / 'readme' / fragment
        if not path.exists():
            continue
        if heading:
            parts += [heading, '=' * len(heading), '']
        parts += [markdown_to_rst(path.read_text())]
    parts += ["Credits", "=======", '', f"Authors: {manifest['author']}", '']
    return '\n'.join(parts)


def main(argv):
    check = '--check' in argv
    stale = []
    for name in [arg for arg in argv if not arg.startswith('--')]:
        addon = Path(name)
        text = readme(addon)
        target = addon / 'README.rst'
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(str(target))
        else:
            target.write_text(text)
    if stale:
        print("README.rst out of date (run tools/gen_readme.py): " + ', '.join(stale))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
