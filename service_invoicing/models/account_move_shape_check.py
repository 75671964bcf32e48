"""The fast path proves itself while it runs.

The tests only know the modules of the test database: a localisation or another addon that
hooks Odoo's invoice computation could be bypassed. So every batch also proves itself: the
first invoice of each shape (company, journal, currency, taxes, payment terms, fiscal
position) is created by Odoo's standard ``create`` and compared with the values the shortcut
would have created; a shape that differs takes Odoo's standard create for the rest of the
run (the transaction, or the chunks that share one ``batch``), and the run says why. The system
parameter ``FAST_CREATE_PARAM`` set to ``0`` (or ``False``) sends every invoice through Odoo's
standard create.
"""

import logging
from collections import defaultdict

from odoo import api, fields, models

from ..const import FAST_CREATE_PARAM, SHAPES_CACHE_KEY

_logger = logging.getLogger(__name__)

# Journal items: what the shortcut decides, in the order a difference is reported.
COMPARED_ITEM_FIELDS = (
    'account_id', 'tax_ids', 'tax_line_id', 'tax_repartition_line_id', 'tax_tag_ids',
    'partner_id', 'name', 'balance', 'amount_currency', 'tax_base_amount', 'date_maturity',
    'analytic_distribution',
)
AMOUNT_FIELDS = ('balance', 'amount_currency', 'tax_base_amount',
                 'amount_untaxed', 'amount_tax', 'amount_total')


class AccountMove(models.Model):
    _inherit = 'account.move'  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _service_fast_create_enabled(self, batch):
        """Whether the system parameter lets invoices be created complete (read once a batch;
        missing means yes)."""
        if 'fast_path_disabled' not in batch:
            value = self.env['ir.config_parameter'].sudo().get_param(FAST_CREATE_PARAM, '1')
            batch['fast_path_disabled'] = value.strip().lower() in ('0', 'false', 'no', 'off')
        return not batch['fast_path_disabled']

    @api.model
    def _service_check_shapes(self, vals_list, complete, batch):
        """Create the first invoice of each shape not yet checked with Odoo's standard
        ``create`` and compare it with its complete values. Returns the ids created (0 for
        the others). The checked invoices and those of a shape that differs lose their
        complete values (``complete[index] = None``): the latter take Odoo's standard create.

        The checked invoice is kept, not rolled back: it is what Odoo's standard path
        creates, whichever way the comparison goes. So a check costs the difference between
        one standard and one complete invoice, and no savepoint, whose rollback would empty
        the ORM cache of the whole transaction (the caller would then read its records again
        one by one: a query per invoice).

        A shape is checked once per transaction (``cr.cache``, which Odoo empties at commit
        and rollback), or once per ``batch`` when the caller passes the same dict to
        chunks that commit."""
        shapes = batch.get('shapes')
        if shapes is None:
            shapes = batch['shapes'] = self.env.cr.cache.setdefault(SHAPES_CACHE_KEY, {})
        standard_shapes = batch.setdefault('standard_shapes', {})
        batch.setdefault('shape_checks', 0)
        ids = [0] * len(vals_list)
        labels = {}
        for index, vals in enumerate(vals_list):
            if not complete[index]:
                continue
            shape = self._service_invoice_shape(vals, complete[index])
            if shape not in shapes:
                standard = self.create(vals)
                ids[index] = standard.id
                shapes[shape] = self._service_compare_with_standard(complete[index], standard)
                complete[index] = None
                batch['shape_checks'] += 1
                if shapes[shape]:
                    labels[shape] = self._service_shape_label(shape)
                    _logger.warning("Invoices of %s take Odoo's standard create for the rest "
                                    "of this transaction: %s", labels[shape], shapes[shape])
            if shapes[shape]:
                complete[index] = None
                if shape not in labels:
                    labels[shape] = self._service_shape_label(shape)
                standard_shapes[labels[shape]] = shapes[shape]
        return ids

    @api.model
    def _service_invoice_shape(self, vals, complete):
        """What the invoices proven by one check share: company, journal, currency, the set
        of taxes of their lines, payment terms and fiscal position."""
        company = self.env['res.company'].browse(vals.get('company_id')) or self.env.company
        taxes = frozenset(
            tax_id for command in complete['line_ids'] if command[2]['display_type'] == 'product'
            for tax_id in command[2]['tax_ids'][0][2])
        return (company.id, complete['journal_id'], vals.get('currency_id') or
                company.currency_id.id, taxes, vals.get('invoice_payment_term_id') or False,
                vals.get('fiscal_position_id') or False)

    @api.model
    def _service_compare_with_standard(self, complete, standard):
        """The first difference between the journal items and totals the complete values
        would create and those of ``standard``, as a sentence; '' when there is none."""
        env = self.env
        currency = standard.company_currency_id
        expected = self._service_expected_items(complete)
        actual = defaultdict(list)
        for line in standard.line_ids.sorted('id'):
            actual[line.display_type].append(
                {fname: self._service_item_value(line, fname) for fname in COMPARED_ITEM_FIELDS})
        kinds = dict(env['account.move.line']._fields['display_type']
                     ._description_selection(env))
        for kind in sorted(set(expected) | set(actual)):
            fast_items, standard_items = expected.get(kind, []), actual.get(kind, [])
            if len(fast_items) != len(standard_items):
                return env._(
                    "Odoo's standard create gives %(standard)s journal items of type "
                    "%(kind)s, the fast path %(fast)s.", standard=len(standard_items),
                    kind=kinds.get(kind, kind), fast=len(fast_items))
            if kind != 'product':  # product lines pair in the order they were given
                fast_items = sorted(fast_items, key=self._service_item_sort_key)
                standard_items = sorted(standard_items, key=self._service_item_sort_key)
            for number, (fast_item, standard_item) in enumerate(
                    zip(fast_items, standard_items, strict=True), start=1):
                for fname in COMPARED_ITEM_FIELDS:
                    if fname in fast_item and not self._service_same_value(
                            fname, fast_item[fname], standard_item[fname], currency):
                        return self._service_difference(
                            env._("journal item %(number)s of type %(kind)s",
                                  number=number, kind=kinds.get(kind, kind)),
                            'account.move.line', fname, fast_item[fname], standard_item[fname],
                            currency)
        untaxed = -sum(item['balance'] for item in expected.get('product', []))
        tax = -sum(item['balance'] for item in expected.get('tax', []))
        invoice_values = {
            'journal_id': complete['journal_id'],
            'invoice_date_due': fields.Date.to_date(complete['invoice_date_due']),
            'amount_untaxed': untaxed, 'amount_tax': tax, 'amount_total': untaxed + tax,
        }
        for fname, value in invoice_values.items():
            standard_value = self._service_item_value(standard, fname)
            if not self._service_same_value(fname, value, standard_value, currency):
                return self._service_difference(env._("the invoice"), 'account.move', fname,
                                                value, standard_value, currency)
        return ''

    @api.model
    def _service_expected_items(self, complete):
        """{display_type: [{field: value}]}: what the complete values decide of each journal
        item. Fields left to Odoo's computes on creation are computed alike on both paths."""
        env = self.env
        partner = env['res.partner'].browse(complete['partner_id']).commercial_partner_id
        items = defaultdict(list)
        for command in complete['line_ids']:
            vals = command[2]
            repartition = env['account.tax.repartition.line'].browse(
                vals.get('tax_repartition_line_id'))
            item = {
                'tax_line_id': repartition.tax_id.id,
                'tax_repartition_line_id': repartition.id,
                'partner_id': vals.get('partner_id') or partner.id,
                'balance': vals['balance'], 'amount_currency': vals['amount_currency'],
                'date_maturity': fields.Date.to_date(vals.get('date_maturity')) or False,
            }
            for fname in ('tax_ids', 'tax_tag_ids'):
                if fname in vals:
                    item[fname] = tuple(sorted(vals[fname][0][2]))
            for fname in ('account_id', 'tax_base_amount'):
                if fname in vals:
                    item[fname] = vals[fname]
            if 'analytic_distribution' in vals:
                item['analytic_distribution'] = vals['analytic_distribution'] or {}
            if 'name' in vals and vals['display_type'] != 'payment_term':
                # A payment term line is named after the invoice's number.
                item['name'] = vals['name']
            items[vals['display_type']].append(item)
        return items

    @api.model
    def _service_item_value(self, record, fname):
        value = record[fname]
        field = record._fields[fname]
        if field.type == 'many2one':
            return value.id
        if field.type == 'many2many':
            return tuple(sorted(value.ids))
        if fname == 'analytic_distribution':
            return value or {}
        return value

    @api.model
    def _service_item_sort_key(self, item):
        # Only what the complete values always give: the same order on both sides.
        return (item['tax_repartition_line_id'], item['partner_id'], str(item['date_maturity']),
                item.get('account_id') or 0, item.get('tax_ids') or (),
                item.get('tax_tag_ids') or (),
                repr(sorted((item.get('analytic_distribution') or {}).items())))

    @api.model
    def _service_same_value(self, fname, value, standard_value, currency):
        if fname in AMOUNT_FIELDS:
            return not currency.compare_amounts(value or 0.0, standard_value or 0.0)
        return (value or False) == (standard_value or False)

    @api.model
    def _service_difference(self, item, model, fname, value, standard_value, currency):
        return self.env._(
            "%(item)s: %(field)s is %(fast)s with the fast path and %(standard)s with Odoo's "
            "standard create.", item=item,
            field=self.env[model]._fields[fname]._description_string(self.env),
            fast=self._service_display_value(model, fname, value, currency),
            standard=self._service_display_value(model, fname, standard_value, currency))

    @api.model
    def _service_display_value(self, model, fname, value, currency):
        field = self.env[model]._fields[fname]
        if field.type in ('many2one', 'many2many'):
            value = self.env[field.comodel_name].browse(value).mapped('display_name')
            return ', '.join(value) or self.env._("none")
        if fname in AMOUNT_FIELDS:
            return f'{value or 0.0:.{currency.decimal_places}f}'
        if value in (False, None, {}, ''):
            return self.env._("none")
        return str(value)

    @api.model
    def _service_shape_label(self, shape):
        """A shape as the billing clerk reads it."""
        env = self.env
        company_id, journal_id, currency_id, tax_ids, term_id, fiscal_position_id = shape

        def names(model, ids):
            return ', '.join(env[model].browse(ids).mapped('display_name')) or env._("none")
        return env._(
            "%(company)s, journal %(journal)s, %(currency)s, taxes %(taxes)s, payment terms "
            "%(terms)s, fiscal position %(fiscal_position)s",
            company=names('res.company', company_id), journal=names('account.journal', journal_id),
            currency=names('res.currency', currency_id),
            taxes=names('account.tax', sorted(tax_ids)),
            terms=names('account.payment.term', term_id or []),
            fiscal_position=names('account.fiscal.position', fiscal_position_id or []))
