"""Posted shipments in the customer portal (/my/shipments): Odoo's portal mixin, with the
shipment's own URL, token and PDF name."""

from odoo import fields, models

from ..tools.trusted import trusted


class ServiceShipment(models.Model):
    _name = 'service.shipment'
    _inherit = ['service.shipment', 'portal.mixin']

    def _compute_access_url(self):
        for shipment in self:
            shipment.access_url = f'/my/shipments/{shipment.id}'

    def _portal_ensure_token(self):
        # A posted shipment is written by the product's flows only: giving it its access
        # token (Odoo's portal does it when it shares a link) is one of them.
        return super(ServiceShipment, trusted(self))._portal_ensure_token()

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Shipment %(shipment)s", shipment=self.name)

    def _portal_posted_invoices(self):
        """The posted invoices and credit notes that bill this shipment: what its customer
        sees (drafts, proformas under review included, are the company's own work)."""
        self.ensure_one()
        return self.invoice_ids.filtered(lambda move: move.state == 'posted').sorted(
            lambda move: (move.invoice_date or move.date, move.id))


class ServiceShipmentLine(models.Model):
    _inherit = 'service.shipment.line'  # pylint: disable=consider-merging-classes-inherited

    # The portal's record rule reads the lines by customer.
    partner_id = fields.Many2one(index=True)
