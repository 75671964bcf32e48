from lxml import etree

from odoo.tests import TransactionCase, tagged


@tagged('post_install', '-at_install')
class TestInvoiceProjectForm(TransactionCase):

    def test_every_field_of_invoice_project_shows_an_input(self):
        """Units and Only Milestones showed a label and nothing to click (an empty tags field
        shows no input): each says what it does when left empty."""
        arch = etree.fromstring(self.env['service.project.invoice.wizard'].get_views(
            [(False, 'form')])['views']['form']['arch'])
        tags = [field for field in arch.iter('field') if field.get('widget') == 'many2many_tags'
                and not field.get('readonly')]
        self.assertEqual({field.get('name') for field in tags},
                         {'project_ids', 'department_ids', 'milestone_ids'})
        self.assertEqual([field.get('name') for field in tags if not field.get('placeholder')],
                         [])
