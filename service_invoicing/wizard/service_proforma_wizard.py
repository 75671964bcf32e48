from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..models.service_billing_invoicing import GROUPINGS
from ..tools.actions import records_action


class ServiceProformaWizard(models.TransientModel):
    """Create Proforma Invoices: draft customer invoices of what is ready to invoice."""

    _name = 'service.proforma.wizard'
    _description = "Create Proforma Invoices"

    cutoff_date = fields.Date(
        string="Cut-off Date", required=True, default=fields.Date.context_today,
        help="Items dated up to this day are invoiced.")
    invoice_date = fields.Date(required=True, default=fields.Date.context_today)
    grouping = fields.Selection(GROUPINGS, required=True, default='customer')
    include_contract_periods = fields.Boolean(string="Contract Periods", default=True)
    include_shipment_lines = fields.Boolean(string="Shipments", default=True)
    partner_ids = fields.Many2many('res.partner', string="Customers")
    item_ids = fields.Many2many('service.billing.item', string="Backlog Items")
    contract_ids = fields.Many2many('service.contract', string="Contracts")
    order_ids = fields.Many2many('sale.order', string="Orders")
    invoice_ids = fields.Many2many('account.move', string="Proforma Invoices", readonly=True)
    result_message = fields.Text(string="Left Out", readonly=True)
    state = fields.Selection([('setup', "Setup"), ('done', "Done")], default='setup')

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model, ids = self.env.context.get('active_model'), self.env.context.get('active_ids')
        field = {'service.billing.item': 'item_ids', 'service.contract': 'contract_ids',
                 'sale.order': 'order_ids'}.get(model)
        if field and ids and field in fields_list:
            values[field] = [fields.Command.set(ids)]
        return values

    def action_create(self):
        """Create the proforma invoices (drafts) of the ready items chosen."""
        self.ensure_one()
        items = self._items()
        if not items:
            raise UserError(self.env._(
                "Nothing is ready to invoice up to %(date)s for this choice: mark backlog "
                "items ready first.", date=self.cutoff_date))
        invoices, left_out = items._create_proformas(self.grouping, self.invoice_date)
        invoices.write({'service_proforma': True, 'service_cutoff_date': self.cutoff_date,
                        'service_grouping': self.grouping})
        self.write({
            'invoice_ids': [fields.Command.set(invoices.ids)], 'state': 'done',
            'result_message': '\n'.join(dict.fromkeys(reason for _item, reason in left_out)),
        })
        if left_out or not invoices:
            return self._reopen()
        return self.action_view_invoices()

    def action_view_invoices(self):
        """Open the invoices this run created."""
        self.ensure_one()
        return records_action(self.invoice_ids, 'account.action_move_out_invoice_type')

    def _items(self):
        """The ready items this run invoices."""
        return self.env['service.billing.item'].search(self._item_domain(), order='date, id')

    def _item_domain(self):
        domain = Domain([('billing_status', '=', 'ready'), ('date', '<=', self.cutoff_date),
                         ('source_type', 'in', self._source_types())])
        if self.item_ids:
            domain &= Domain('id', 'in', self.item_ids.ids)
        if self.contract_ids:
            domain &= Domain('contract_id', 'in', self.contract_ids.ids)
        if self.order_ids:
            domain &= Domain('order_id', 'in', self.order_ids.ids)
        if self.partner_ids:
            domain &= Domain('partner_id', 'in', self.partner_ids.commercial_partner_id.ids)
        return domain

    def _source_types(self):
        """The kinds of item chosen (bridges add theirs)."""
        return [source for source, chosen in (
            ('contract_period', self.include_contract_periods),
            ('shipment_line', self.include_shipment_lines)) if chosen]

    def _reopen(self):
        return {
            'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
            'view_mode': 'form', 'views': [(False, 'form')], 'target': 'new',
            'name': self.env._("Create Proforma Invoices"),
        }
