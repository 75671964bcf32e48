"""The customer portal's shipments (/my/shipments) and billing (/my/billing).

A portal user sees what belongs to their commercial partner, every contact of the company
alike: the lists search as the user (the record rules of ``security/``), then read with sudo
what the page shows (products, orders, invoices of records the user was given); a shipment's
page opens by the rules or by its own access token (``_document_check_access``), and its
links to orders and invoices carry no token, so a token opens its one shipment only.
"""

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .portal_list import portal_list, search_inputs

SHIPMENT_REPORT = 'service_invoicing.action_report_service_shipment'


class ServiceBillingPortal(CustomerPortal):

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if 'service_shipment_count' in counters:
            Shipment = request.env['service.shipment']
            values['service_shipment_count'] = Shipment.search_count(
                self._service_shipments_domain(), limit=1) \
                if Shipment.has_access('read') else 0
        if 'service_billing_count' in counters:
            Item = request.env['service.billing.item']
            values['service_billing_count'] = Item.search_count(
                Item._portal_domain(request.env.user.partner_id), limit=1) \
                if Item.has_access('read') else 0
        return values

    # ------------------------------------------------------------------------------------
    # My Shipments
    # ------------------------------------------------------------------------------------

    def _service_shipments_domain(self):
        """The posted shipments of the user's company: its commercial partner's, whichever
        contact ordered."""
        partner = request.env.user.partner_id
        return Domain('partner_id', 'child_of', partner.commercial_partner_id.ids)

    def _service_shipment_sortings(self):
        return {
            'date': {'label': request.env._("Newest"), 'order': 'date desc, id desc'},
            'name': {'label': request.env._("Shipment"), 'order': 'name desc, id desc'},
            'status': {'label': request.env._("Invoicing Status"),
                       'order': 'invoice_status, date desc, id desc'},
        }

    def _service_shipment_filters(self):
        return {
            'all': {'label': request.env._("All"), 'domain': Domain.TRUE},
            'to_invoice': {'label': request.env._("Not Fully Invoiced"),
                           'domain': Domain('invoice_status', 'in', ('to_invoice', 'partial'))},
            'invoiced': {'label': request.env._("Fully Invoiced"),
                         'domain': Domain('invoice_status', '=', 'invoiced')},
        }

    def _service_shipment_inputs(self):
        env = request.env
        return search_inputs([('all', env._("Search in All")),
                              ('name', env._("Search in Shipments")),
                              ('order', env._("Search in Orders")),
                              ('product', env._("Search in Products"))])

    def _service_shipment_search_domain(self, search_in, search):
        """Shipments whose number, order or product holds ``search``. Orders and products
        are looked up by name with sudo (portal users may not read products), the
        shipments themselves by the user's rules."""
        by_name = Domain('name', 'ilike', search)
        by_order = Domain('order_id', 'in', request.env['sale.order'].sudo()._search(
            Domain('name', 'ilike', search) | Domain('client_order_ref', 'ilike', search)))
        by_product = Domain('line_ids', 'any', Domain(
            'product_id', 'in', self._service_products_named(search)))
        return {'name': by_name, 'order': by_order, 'product': by_product}.get(
            search_in, by_name | by_order | by_product)

    def _service_products_named(self, search):
        return request.env['product.product'].sudo().with_context(active_test=False)._search(
            Domain('name', 'ilike', search) | Domain('default_code', 'ilike', search))

    @http.route(['/my/shipments', '/my/shipments/page/<int:page>'], type='http', auth='user',
                website=True, readonly=True)
    def portal_my_service_shipments(self, page=1, sortby=None, filterby=None, search=None,
                                    search_in='all', **kw):
        """The user's company's posted shipments, newest first: search, sort, filter, pager."""
        shipments, _domain, values = portal_list(
            self, 'service.shipment', '/my/shipments', self._service_shipments_domain(),
            (self._service_shipment_sortings(), self._service_shipment_filters(),
             self._service_shipment_inputs(), self._service_shipment_search_domain),
            page, sortby, filterby, search, search_in)
        request.session['my_service_shipments_history'] = shipments.ids[:100]
        values.update({'shipments': shipments.sudo(), 'page_name': 'service_shipment'})
        return request.render('service_invoicing.portal_my_service_shipments', values)

    @http.route(['/my/shipments/<int:shipment_id>'], type='http', auth='public', website=True)
    def portal_my_service_shipment(self, shipment_id, access_token=None, report_type=None,
                                   download=False, **kw):
        """A posted shipment: its lines and what was invoiced of them, its invoices and
        order, its PDF (``report_type=pdf``)."""
        try:
            shipment_sudo = self._document_check_access(
                'service.shipment', shipment_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect('/my')
        if report_type in ('html', 'pdf', 'text'):
            return self._show_report(model=shipment_sudo, report_type=report_type,
                                     report_ref=SHIPMENT_REPORT, download=download)
        lines = shipment_sudo.line_ids
        values = {
            'shipment': shipment_sudo,
            'lines': lines,
            'show_consumed': any(lines.mapped('qty_consumed')),
            'show_in_draft': any(lines.mapped('qty_in_draft')),
            'invoices': shipment_sudo._portal_posted_invoices(),
            'page_name': 'service_shipment',
            'report_type': 'html',
            'res_company': shipment_sudo.company_id,
        }
        values = self._get_page_view_values(
            shipment_sudo, access_token, values, 'my_service_shipments_history', False)
        return request.render('service_invoicing.portal_my_service_shipment', values)

    # ------------------------------------------------------------------------------------
    # My Billing: what is not invoiced yet
    # ------------------------------------------------------------------------------------

    def _service_billing_sortings(self):
        return {
            'source': {'label': request.env._("Order or Contract"),
                       'order': 'contract_id, order_id, date desc, id desc'},
            'date': {'label': request.env._("Newest"), 'order': 'date desc, id desc'},
            'amount': {'label': request.env._("Amount"), 'order': 'amount_status desc, id desc'},
        }

    def _service_billing_filters(self):
        env = request.env
        return {
            'all': {'label': env._("Not Invoiced"), 'domain': Domain.TRUE},
            'waiting': {'label': env._("Waiting"),
                        'domain': Domain('billing_status', '=', 'not_ready')},
            'to_invoice': {'label': env._("To Invoice"),
                           'domain': Domain('billing_status', '=', 'ready')},
        }

    def _service_billing_inputs(self):
        env = request.env
        return search_inputs([('all', env._("Search in All")),
                              ('source', env._("Search in Orders and Contracts")),
                              ('product', env._("Search in Products"))])

    def _service_billing_search_domain(self, search_in, search):
        """Items whose order, contract, product or description holds ``search`` (names
        looked up with sudo, the items by the user's rules)."""
        env = request.env
        by_source = Domain('order_id', 'in', env['sale.order'].sudo()._search(
            Domain('name', 'ilike', search) | Domain('client_order_ref', 'ilike', search))) \
            | Domain('contract_id', 'in', env['service.contract'].sudo()._search(
                Domain('name', 'ilike', search)))
        by_product = Domain('product_id', 'in', self._service_products_named(search))
        return {'source': by_source, 'product': by_product}.get(
            search_in, by_source | by_product | Domain('name', 'ilike', search))

    @http.route(['/my/billing', '/my/billing/page/<int:page>'], type='http', auth='user',
                website=True, readonly=True)
    def portal_my_service_billing(self, page=1, sortby=None, filterby=None, search=None,
                                  search_in='all', **kw):
        """What is not invoiced yet, Waiting or To Invoice, by order and contract, with the
        estimate of the next invoice."""
        Item = request.env['service.billing.item']
        customer_domain = Item._portal_domain(request.env.user.partner_id)
        items, domain, values = portal_list(
            self, 'service.billing.item', '/my/billing', customer_domain,
            (self._service_billing_sortings(), self._service_billing_filters(),
             self._service_billing_inputs(), self._service_billing_search_domain),
            page, sortby, filterby, search, search_in)
        has_access = Item.has_access('read')
        items = items.sudo()
        values.update({
            'items': items,
            'details': items._portal_details(),
            'sources': self._service_billing_sources(domain) if has_access else {},
            'source_url': self._service_source_url,
            'next_invoices': Item._portal_next_invoices(customer_domain) if has_access
            else [],
            'group_by_source': values['sortby'] == 'source',
            'page_name': 'service_billing',
        })
        return request.render('service_invoicing.portal_my_service_billing', values)

    def _service_billing_sources(self, domain):
        """{(contract, order): {'currency', 'waiting', 'to_invoice', 'count'}} of the items
        of ``domain``, summed by the database (every page's items, not this page's)."""
        groups = request.env['service.billing.item']._read_group(
            domain, ['contract_id', 'order_id', 'currency_id'],
            ['amount_waiting:sum', 'amount_to_invoice:sum', '__count'])
        sources = {}
        for contract, order, currency, waiting, to_invoice, count in groups:
            sources[contract.sudo(), order.sudo()] = {
                'currency': currency.sudo(), 'waiting': waiting, 'to_invoice': to_invoice,
                'count': count}
        return sources

    def _service_source_url(self, document):
        """The portal page of an order or a contract, where the portal has one."""
        return document.access_url if 'access_url' in document._fields else ''
