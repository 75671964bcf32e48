"""What every way of making proforma invoices shares: the run's invoices, what it left out,
and where it goes next (Create Proforma Invoices, Invoice Project). A run has its own
``cutoff_date``, ``invoice_date`` and ``grouping`` (their defaults and help differ)."""

from odoo import fields, models

from ..tools.actions import records_action
from ..tools.trusted import trusted


class ServiceProformaRun(models.AbstractModel):
    _name = 'service.proforma.run'
    _description = "Proforma Invoicing Run"

    invoice_ids = fields.Many2many('account.move', string="Proforma Invoices", readonly=True)
    result_message = fields.Text(string="Left Out", readonly=True)
    state = fields.Selection([('setup', "Setup"), ('done', "Done")], default='setup')
    deduct_down_payments = fields.Boolean(
        string="Deduct down payments", default=True,
        help="The down payments of the orders billed are deducted, as Odoo's Create Invoice "
             "deducts them; one that is more than its invoice bills waits for a later one.")

    def _run_proformas(self, items, notes=()):
        """Make the proforma invoices of ``items`` (ready backlog items) as this run groups and
        dates them, record them and what was left out (with ``notes``, said after), and
        open them, or this run again when something was left out or nothing made."""
        self.ensure_one()
        invoices, left_out = items._create_proformas(
            self.grouping, self.invoice_date, deduct_down_payments=self.deduct_down_payments)
        trusted(invoices).write({'service_proforma': True, 'service_cutoff_date': self.cutoff_date,
                        'service_grouping': self.grouping})
        invoices._service_record_proforma_values()
        self.write({
            'invoice_ids': [fields.Command.set(invoices.ids)], 'state': 'done',
            'result_message': '\n'.join(dict.fromkeys(
                [reason for _item, reason in left_out] + list(notes))),
        })
        if left_out or not invoices:
            return self._reopen()
        return self.action_view_invoices()

    def action_view_invoices(self):
        """Open the invoices this run created."""
        self.ensure_one()
        return records_action(self.invoice_ids, 'account.action_move_out_invoice_type')

    def _reopen(self):
        return {
            'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
            'view_mode': 'form', 'views': [(False, 'form')], 'target': 'new',
            'name': self.env['ir.model']._get(self._name).name,
        }
