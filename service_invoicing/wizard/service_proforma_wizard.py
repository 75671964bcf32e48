from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date

from ..models.service_billing_invoicing import GROUPINGS


class ServiceProformaWizard(models.TransientModel):
    """Create Proforma Invoices: draft customer invoices of what is ready to invoice."""

    _name = 'service.proforma.wizard'
    _inherit = ['service.proforma.run']
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
                "items ready first.", date=format_date(self.env, self.cutoff_date)))
        return self._run_proformas(items)

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
