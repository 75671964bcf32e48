"""What the lists show is read whole (issue 23): no header or badge of a column of ours cut off
("In Draft Invo...", "Ready to In..."), and billed contract periods seen as contracts are (a
kanban and a calendar beside the list)."""

from lxml import etree

from odoo.tests import TransactionCase, tagged

OUR_MODULES = ('service_invoicing', 'service_invoicing_project', 'service_invoicing_stock')
# Odoo's lists give numbers and dates a narrow, fixed column (web's column_width_hook.js):
# a header longer than this is cut unless the column says its width, as Odoo's own lists do
# (width="120px"). A badge is as wide as its longest value.
FITS = 13
FIXED_WIDTH_TYPES = ('float', 'monetary', 'integer', 'date', 'datetime')


@tagged('post_install', '-at_install')
class TestListColumns(TransactionCase):

    def list_columns(self):
        """(view, model, column element) of every column of a list in our views: lists of
        their own, lists of a form's lines, and columns added to another module's list."""
        views = self.env['ir.ui.view'].search([
            ('model_data_id.module', 'in', OUR_MODULES), ('type', 'in', ('list', 'form'))])
        for view in views:
            Model = self.env[view.model]
            for column in etree.fromstring(view.arch_db).iter('field'):
                in_list = next((parent for parent in column.iterancestors()
                                if parent.tag in ('list', 'form', 'group', 'kanban')), None)
                path = next((parent.get('expr', '') for parent in column.iterancestors()
                             if parent.tag == 'xpath'), '')
                if in_list is not None and in_list.tag != 'list' or (
                        in_list is None and '/list' not in path and view.type != 'list'):
                    continue
                # A field around the column holds the lines (one with a position only
                # places the columns of an inherited view).
                holder = next((parent.get('name') for parent in column.iterancestors()
                               if parent.tag == 'field' and not parent.get('position')), None)
                if holder is None and '/list' in path:
                    holder = path.split('/list')[0].split("field[@name='")[-1].split("']")[0]
                lines = self.env[Model._fields[holder].comodel_name] if holder else Model
                yield view, lines, column

    def test_headers_and_badges_of_our_lists_are_not_cut_off(self):
        cut = []
        for view, Model, column in self.list_columns():
            field = Model._fields.get(column.get('name'))
            if field is None or column.get('width') or column.get('optional') == 'hide' \
                    or column.get('column_invisible') in ('True', '1'):
                continue
            label = column.get('string') or field._description_string(self.env)
            texts = [label]
            if column.get('widget') == 'badge':
                texts += [text for _value, text in field._description_selection(self.env)]
            elif field.type not in FIXED_WIDTH_TYPES:
                continue
            if max(map(len, texts)) > FITS:
                cut.append(f"{view.xml_id or view.name}: {column.get('name')} ({label})")
        self.assertFalse(cut, "Columns whose header or badge is cut off:\n" + "\n".join(cut))

    def test_billed_periods_show_as_kanban_and_calendar_as_contracts_do(self):
        action = self.env['ir.actions.act_window']._for_xml_id(
            'service_invoicing.action_service_contract_period')
        self.assertEqual(action['view_mode'].split(','), ['list', 'kanban', 'calendar'])
        views = self.env['service.contract.period'].get_views(
            [(False, 'kanban'), (False, 'calendar')])['views']
        calendar = etree.fromstring(views['calendar']['arch'])
        self.assertEqual((calendar.get('date_start'), calendar.get('date_stop')),
                         ('date_start', 'date_end'))
        kanban = etree.fromstring(views['kanban']['arch'])
        self.assertTrue({'contract_id', 'amount', 'invoice_id', 'invoice_state'}
                        <= {field.get('name') for field in kanban.iter('field')})
