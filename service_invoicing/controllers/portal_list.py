"""The portal lists of the app and its bridges (/my/service_contracts, /my/shipments, /my/billing,
/my/time): one search bar, pager and search as the user, so every list reads the URL alike
and never shows more than the user's record rules give."""

from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager


def search_inputs(choices):
    """The portal search panel's choices of what to search in, from [(key, label)]."""
    return {key: {'input': key, 'label': label, 'sequence': sequence}
            for sequence, (key, label) in enumerate(choices, 1)}


def portal_list(controller, model, url, base_domain, searchbar, page=1, sortby=None,
                filterby=None, search=None, search_in='all'):
    """A page of the portal list of ``model`` at ``url`` within ``base_domain``, searched as
    the user (the record rules apply): ``searchbar`` = (sortings, filters, inputs, search
    domain of (search_in, search), or None for a list without search); whatever else the URL
    asks reads as the first sorting, all, and all. Returns (the page's records, the domain
    searched, the values of Odoo's portal layout, search bar and pager); a user who may not
    read ``model`` gets none of its records."""
    Model = request.env[model]
    sortings, filters, inputs, search_domain = searchbar
    sortby = sortby if sortby in sortings else next(iter(sortings))
    filterby = filterby if filterby in filters else 'all'
    search_in = search_in if search_in in inputs else 'all'
    domain = base_domain & filters[filterby]['domain']
    if search and search_domain:
        domain &= search_domain(search_in, search)
    has_access = Model.has_access('read')
    pager = portal_pager(
        url=url,
        url_args={'sortby': sortby, 'filterby': filterby, 'search_in': search_in,
                  'search': search},
        total=Model.search_count(domain) if has_access else 0,
        page=page, step=controller._items_per_page)
    records = Model.search(domain, order=sortings[sortby]['order'],
                           limit=controller._items_per_page, offset=pager['offset']) \
        if has_access else Model
    return records, domain, {
        **controller._prepare_portal_layout_values(),
        'default_url': url,
        'pager': pager,
        'searchbar_sortings': sortings, 'sortby': sortby,
        'searchbar_filters': filters, 'filterby': filterby,
        'searchbar_inputs': inputs, 'search_in': search_in, 'search': search,
    }
