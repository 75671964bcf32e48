from odoo.tests import HttpCase


class ServiceTourCase(HttpCase):
    """Browser tours of the app: logged in as a user of one role, ending with the billing
    integrity check as every test of the app."""

    # The first page's requests wait for the test cursor while others run: on a busy machine
    # that takes longer than Odoo's 20 seconds.
    test_cursor_lock_timeout = 120

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The web client's asset bundles, built once for the class (Odoo's own runner
        # pregenerates them, pytest-odoo does not): built by the first page of each tour,
        # in the test's transaction, they take longer than the 60 seconds Odoo gives the
        # page to be ready on a busy machine, and again for every tour.
        qweb = cls.env['ir.qweb']
        for bundle in ('web.assets_web', 'web.assets_tests'):
            qweb._get_asset_bundle(bundle, css=False, js=True).js()
            qweb._get_asset_bundle(bundle, css=True, js=False).css()

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        # The same on a busy machine: the web client may take over a minute to be ready.
        kwargs.setdefault('timeout', 240)
        return super().start_tour(url_path, tour_name, step_delay, **kwargs)

    def tearDown(self):
        # Whatever the browser did, no money invariant is broken.
        broken = self.env(su=True)['service.billing.integrity']._find_broken_invariants()
        super().tearDown()
        self.assertFalse(broken, "The tour left broken billing invariants:\n" + "\n".join(
            f"- [{finding['rule']}] {finding['message']}" for finding in broken))
