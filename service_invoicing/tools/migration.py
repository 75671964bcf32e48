"""What the addons' migration scripts (``migrations/<version>/pre-migrate.py``) share."""

from odoo.tools import SQL, sql


def rename_fields(cr, module, model, renames):
    """Rename stored fields of ``model`` that ``module`` defines, before the new code loads:
    [(old name, new name)].

    Each column keeps its values (and its index), and what Odoo knows of the field follows it:
    its ``ir.model.fields`` row, the external ids of the field and of its selection values
    (left behind, the upgrade would delete the renamed field as a removed one and add an empty
    one), the saved filters (favorites) and export lists that name it, and the module's views
    of the model still in the database (``rename_in_views``). A field ``module`` does not
    define (it never had it, or another module has it now) is left as it is.
    """
    table = model.replace('.', '_')
    for old, new in renames:
        cr.execute(SQL("""
            SELECT res_id FROM ir_model_data
             WHERE module = %s AND model = 'ir.model.fields' AND name = %s
        """, module, f'field_{table}__{old}'))
        row = cr.fetchone()
        if not row:
            continue
        if sql.column_exists(cr, table, old) and not sql.column_exists(cr, table, new):
            sql.rename_column(cr, table, old, new)
            old_index, new_index = f'{table}__{old}_index', f'{table}__{new}_index'
            if sql.index_exists(cr, old_index):
                cr.execute(SQL("ALTER INDEX %s RENAME TO %s",
                               SQL.identifier(old_index), SQL.identifier(new_index)))
        cr.execute(SQL("UPDATE ir_model_fields SET name = %s WHERE id = %s", new, row[0]))
        cr.execute(SQL("""
            UPDATE ir_model_data SET name = %s
             WHERE module = %s AND model = 'ir.model.fields' AND name = %s
        """, f'field_{table}__{new}', module, f'field_{table}__{old}'))
        old_prefix = f'selection__{table}__{old}__'
        cr.execute(SQL("""
            UPDATE ir_model_data SET name = %s || substr(name, %s)
             WHERE module = %s AND model = 'ir.model.fields.selection' AND left(name, %s) = %s
        """, f'selection__{table}__{new}__', len(old_prefix) + 1, module, len(old_prefix),
            old_prefix))
        # A favorite names the field in its domain, its grouping or its order, quoted.
        pattern = f'([\'"]){old}([ \'":])'
        cr.execute(SQL("""
            UPDATE ir_filters
               SET domain = regexp_replace(domain, %(pattern)s, %(new)s, 'g'),
                   context = regexp_replace(context, %(pattern)s, %(new)s, 'g'),
                   sort = regexp_replace(sort, %(pattern)s, %(new)s, 'g')
             WHERE model_id = %(model)s
        """, pattern=pattern, new=f'\\1{new}\\2', model=model))
        cr.execute(SQL("""
            UPDATE ir_exports_line line SET name = %s
              FROM ir_exports export
             WHERE export.id = line.export_id AND export.resource = %s AND line.name = %s
        """, new, model, old))
        rename_in_views(cr, module, model, old, new)


def rename_in_views(cr, module, model, old, new):
    """Point the views of ``module`` on ``model`` that the database still holds as the
    previous version left them at the field ``new`` instead of ``old``. Until their file loads
    them again (or the upgrade removes them), Odoo checks them with each view the upgrade
    loads on the same model before them: naming a field that is gone, they would stop it."""
    cr.execute(SQL("""
        UPDATE ir_ui_view view
           SET arch_db = regexp_replace(arch_db::text, %s, %s, 'g')::jsonb
          FROM ir_model_data data
         WHERE data.model = 'ir.ui.view' AND data.res_id = view.id
           AND data.module = %s AND view.model = %s
    """, f'\\m{old}\\M', new, module, model))
