"""The customer portal's service contracts: ``/my/service_contracts`` and a contract's page.

A portal user reads the contracts of their commercial partner (every contact of the company);
the record rules say which (``security/service_contract_portal_security.xml``) and the routes
search and check through them (``_document_check_access``), so the pages never show more than
the JSON-RPC ORM gives the same user. An access token opens its one contract, to anyone.

Not /my/contracts: OCA contract's portal has that address (/my/contracts/<id> for its
contract.contract), and a database may have both; two routes of one address make the page the
customer gets depend on the order the modules load.
"""

import uuid

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .portal_list import portal_list, search_inputs

CONTRACTS_HISTORY = 'my_service_contracts_history'


class ServiceContractPortal(CustomerPortal):

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if 'service_contract_count' in counters:
            Contract = request.env['service.contract']
            values['service_contract_count'] = Contract.search_count(
                self._service_contracts_domain(), limit=1) if Contract.has_access('read') else 0
        return values

    def _service_contracts_domain(self):
        """The contracts of the user's commercial partner that its customer reads: signed or
        cancelled (quotes are the seller's work). For a portal user the record rules say the
        same; an employee opening /my reads their own company's."""
        partner = request.env.user.partner_id.commercial_partner_id
        return (Domain('partner_id', 'child_of', partner.id)
                & Domain('state', 'in', ('signed', 'cancelled')))

    def _service_contract_searchbar_sortings(self):
        env = request.env
        return {
            'date': {'label': env._("Starting Date"), 'order': 'date_start desc, id desc'},
            'next_invoice': {'label': env._("Next Invoice Date"),
                             'order': 'next_invoice_date, id desc'},
            'name': {'label': env._("Reference"), 'order': 'name desc, id desc'},
            'state': {'label': env._("Status"), 'order': 'state desc, date_start desc, id desc'},
        }

    def _service_contract_searchbar_filters(self):
        env = request.env
        today = fields.Date.context_today(env.user)
        running = Domain('state', '=', 'signed') & (
            Domain('date_end', '=', False) | Domain('date_end', '>=', today))
        return {
            'all': {'label': env._("All"), 'domain': Domain.TRUE},
            'running': {'label': env._("Running"), 'domain': running},
            'ended': {'label': env._("Ended or Cancelled"), 'domain': ~running},
        }

    def _service_contract_searchbar_inputs(self):
        env = request.env
        return search_inputs([('all', env._("Search in All")),
                              ('name', env._("Search in Reference")),
                              ('description', env._("Search in Description")),
                              ('lines', env._("Search in Lines"))])

    def _service_contract_search_domain(self, search_in, search):
        by_input = {
            'name': Domain('name', 'ilike', search),
            'description': Domain('description', 'ilike', search),
            # The lines' descriptions name their products (the portal user reads no product).
            'lines': Domain('line_ids.name', 'ilike', search),
        }
        if search_in == 'all':
            return Domain.OR(by_input.values())
        return by_input.get(search_in, Domain.FALSE)

    def _prepare_service_contracts_values(self, page=1, sortby=None, filterby=None,
                                          search=None, search_in='all'):
        contracts, _domain, values = portal_list(
            self, 'service.contract', '/my/service_contracts', self._service_contracts_domain(),
            (self._service_contract_searchbar_sortings(),
             self._service_contract_searchbar_filters(),
             self._service_contract_searchbar_inputs(), self._service_contract_search_domain),
            page, sortby, filterby, search, search_in)
        # Searched as the user (the record rules apply), shown as superuser as Odoo's lists do.
        contracts = contracts.sudo()
        self._ensure_access_tokens(contracts)
        values.update({'service_contracts': contracts, 'page_name': 'service_contract'})
        return values

    @http.route(['/my/service_contracts', '/my/service_contracts/page/<int:page>'],
                type='http', auth='user', website=True)
    def portal_my_service_contracts(self, page=1, sortby=None, filterby=None, search=None,
                                    search_in='all', **kw):
        """My Account > Contracts: the contracts of the user's company, a page at a time."""
        values = self._prepare_service_contracts_values(page, sortby, filterby, search,
                                                        search_in)
        request.session[CONTRACTS_HISTORY] = values['service_contracts'].ids[:100]
        return request.render('service_invoicing.portal_my_service_contracts', values)

    @http.route(['/my/service_contracts/<int:contract_id>'], type='http', auth='public',
                website=True)
    def portal_my_service_contract(self, contract_id, report_type=None, access_token=None,
                                   download=False, **kw):
        """A contract's page (or its PDF with ``report_type=pdf``): for its customer's users
        and for whoever holds its access token."""
        try:
            contract_sudo = self._document_check_access('service.contract', contract_id,
                                                        access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect('/my')
        if report_type in ('html', 'pdf', 'text'):
            return self._show_report(model=contract_sudo, report_type=report_type,
                                     report_ref='service_invoicing.action_report_service_contract',
                                     download=download)
        periods = contract_sudo.period_ids.sorted('date_start', reverse=True)
        invoices = periods.invoice_id.filtered(lambda invoice: invoice.state == 'posted')
        self._ensure_access_tokens(invoices)
        values = {
            'service_contract': contract_sudo,
            'billed_periods': periods,
            'forecast': contract_sudo._invoice_forecast(),
            'page_name': 'service_contract',
            'report_type': 'html',
            'res_company': contract_sudo.company_id,
            'backend_url': f'/odoo/action-service_invoicing.action_service_contract/'
                           f'{contract_sudo.id}',
        }
        values = self._get_page_view_values(contract_sudo, access_token, values,
                                            CONTRACTS_HISTORY, False)
        if 'token' not in values:
            # The chatter of a user who reads the contract by the rules: posting on it needs
            # its token (a portal user may not write on the contract).
            values['token'] = contract_sudo._portal_ensure_token()
        return request.render('service_invoicing.portal_service_contract_page', values)

    def _ensure_access_tokens(self, records_sudo):
        """Give an access token to those of ``records_sudo`` (portal documents, as superuser)
        that have none, in one update: their links carry it (``get_portal_url``), as the
        lists of Odoo's portal do, without a write per row."""
        for record in records_sudo.filtered(lambda record: not record.access_token):
            record.access_token = str(uuid.uuid4())
