from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools.formatting import format_quantity


class ServiceInvoiceCorrectionWizard(models.TransientModel):
    """Correct this invoice (Project Operations): the lines as billed, each with the quantity
    it should have billed (0 by default: a full credit); the credit note gives back the
    difference, and the backlog gets it again."""

    _name = 'service.invoice.correction.wizard'
    _description = "Correct this Invoice"

    invoice_id = fields.Many2one('account.move', required=True, readonly=True)
    line_ids = fields.One2many('service.invoice.correction.wizard.line', 'wizard_id')
    reason = fields.Char(required=True, default=lambda self: self.env._("Correction"))

    @api.onchange('invoice_id')
    def _onchange_invoice_id(self):
        self.line_ids = [fields.Command.clear()] + [
            fields.Command.create({'invoice_line_id': line.id, 'quantity_corrected': 0.0})
            for line in self.invoice_id.invoice_line_ids.filtered(
                lambda line: line.display_type == 'product')]

    def action_correct(self):
        """Create the credit note (a draft, for review): what each line billed beyond its
        corrected quantity."""
        self.ensure_one()
        invoice = self.invoice_id
        invoice.action_service_correct()  # the same checks as the button
        credited = {}
        compare = self._compare_quantities
        for line in self.line_ids:
            billed = line.invoice_line_id.quantity
            self.env.company._service_check_finite(
                self.env._("%(line)s of %(invoice)s, the corrected quantity",
                           line=line.invoice_line_id.name, invoice=invoice.display_name),
                line.quantity_corrected)
            # A deduction (a down payment, billed at -1) is corrected between it and 0 too.
            if compare(line.quantity_corrected, min(billed, 0.0)) < 0 \
                    or compare(line.quantity_corrected, max(billed, 0.0)) > 0:
                raise UserError(self.env._(
                    "%(line)s of %(invoice)s: the corrected quantity goes from 0 to %(billed)s, "
                    "not %(corrected)s.", line=line.invoice_line_id.name,
                    invoice=invoice.display_name, billed=format_quantity(self.env, billed),
                    corrected=format_quantity(self.env, line.quantity_corrected)))
            if line.invoice_line_id.is_downpayment \
                    and compare(line.quantity_corrected, 0.0) \
                    and compare(line.quantity_corrected, billed):
                # Odoo deducts a down payment whole (-1): a part left would be deducted whole.
                raise UserError(self.env._(
                    "%(line)s of %(invoice)s deducts a down payment: it is corrected whole "
                    "(0) or not at all (%(billed)s), not to %(corrected)s.",
                    line=line.invoice_line_id.name, invoice=invoice.display_name,
                    billed=format_quantity(self.env, billed),
                    corrected=format_quantity(self.env, line.quantity_corrected)))
            credited[line.invoice_line_id] = billed - line.quantity_corrected
        if not any(credited.values()):
            raise UserError(self.env._(
                "Nothing to credit: every line keeps the quantity it billed."))
        credit_note = invoice._reverse_moves([{
            'ref': self.env._("Correction of %(invoice)s: %(reason)s",
                              invoice=invoice.name, reason=self.reason),
            'invoice_date': fields.Date.context_today(self),
        }])
        # Reversal keeps the lines in order: each credits its invoice line's difference.
        product_lines = credit_note.invoice_line_ids.filtered(
            lambda line: line.display_type == 'product')
        originals = invoice.invoice_line_ids.filtered(lambda line: line.display_type == 'product')
        commands = []
        for credit_line, original in zip(product_lines, originals, strict=True):
            quantity = credited.get(original, 0.0)
            if compare(quantity, 0.0) == 0:
                commands.append(fields.Command.delete(credit_line.id))
            elif compare(quantity, original.quantity) != 0:
                commands.append(fields.Command.update(credit_line.id, {'quantity': quantity}))
        if commands:
            credit_note.invoice_line_ids = commands
        action = self.env['ir.actions.act_window']._for_xml_id(
            'account.action_move_out_refund_type')
        action.update(views=[(False, 'form')], res_id=credit_note.id)
        return action

    def _compare_quantities(self, quantity, other):
        """Quantities compared as Odoo 19 compares them in any unit (at the 'Product Unit'
        precision): a line may have no unit (a down payment)."""
        return float_compare(quantity, other, precision_digits=self.env[
            'decimal.precision'].precision_get('Product Unit'))


class ServiceInvoiceCorrectionWizardLine(models.TransientModel):
    _name = 'service.invoice.correction.wizard.line'
    _description = "Correct this Invoice - Line"

    wizard_id = fields.Many2one('service.invoice.correction.wizard', required=True,
                                ondelete='cascade')
    invoice_line_id = fields.Many2one('account.move.line', required=True, readonly=True)
    name = fields.Char(related='invoice_line_id.name')
    product_id = fields.Many2one(related='invoice_line_id.product_id')
    quantity_billed = fields.Float(related='invoice_line_id.quantity', string="Billed")
    price_unit = fields.Float(related='invoice_line_id.price_unit')
    quantity_corrected = fields.Float(
        string="Corrected Quantity", digits='Product Unit',
        help="What the line should have billed: the credit note gives back the rest.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_quantities_are_numbers(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_quantities_are_numbers(vals)
        return super().write(vals)

    def _check_quantities_are_numbers(self, vals):
        self.env.company._service_check_finite_vals(
            self.env._("Correct this Invoice, a corrected quantity"), vals, ('quantity_corrected',))
