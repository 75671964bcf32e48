from odoo import models


class ServiceSellerFieldsMixin(models.AbstractModel):
    """Fields of a document that its customer never reads, even through the JSON-RPC ORM: the
    seller's own work (the runs' errors, the backlog, the pricelist's price, analytic
    accounts). Not ``groups`` on the fields: the backend's views, which every group that
    reads the documents may open, show them to the employees."""

    _name = 'service.seller.fields.mixin'
    _description = "Fields for the Seller Only"
    _seller_only_fields = frozenset()

    def _has_field_access(self, field, operation):
        if field.name in self._seller_only_fields and self.env.user.share and not self.env.su:
            return False
        return super()._has_field_access(field, operation)
