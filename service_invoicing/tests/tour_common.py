import base64
import io
import logging
import os
import re
from pathlib import Path

from PIL import Image

from odoo.tests import HttpCase

_logger = logging.getLogger(__name__)

# SI_SCREENSHOTS=<folder>: the tours save the screenshots their steps ask for in that folder
# (docs/screenshots for the README: `make screenshots`). Unset, no step waits for one.
SCREENSHOTS_VARIABLE = 'SI_SCREENSHOTS'
# The cookie that tells the tours' screenshot steps to ask (static/tests/tours/screenshot.js).
SCREENSHOT_COOKIE = 'si_screenshots'
SCREENSHOT_SIGNAL = re.compile(r'^si_screenshot:(\w+)$')
SCREENSHOT_SIZE = '1280x800'


class TourScreenshots:
    """Saves the page as ``<folder>/<name>.png`` when a tour step logs ``si_screenshot:<name>``,
    then lets the step go on: the screenshot shows what the step found, not a later page."""

    def __init__(self, browser, folder):
        self.browser = browser
        self.folder = folder
        self.on_console = browser._handlers['Runtime.consoleAPICalled']
        browser._handlers['Runtime.consoleAPICalled'] = self.console

    def console(self, **params):
        args = params.get('args')
        match = params.get('type') == 'log' and args and SCREENSHOT_SIGNAL.match(
            str(args[0].get('value')))
        if match:
            self.capture(match.group(1))
        return self.on_console(**params)

    def capture(self, name):
        future = self.browser._websocket_send('Page.captureScreenshot', params={
            'format': 'png'}, with_future=True)

        def save(done):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / f'{name}.png'
                path.write_bytes(small_png(base64.b64decode(done.result()['data'])))
                _logger.info("Screenshot %s", path)
            finally:
                self.browser._websocket_send('Runtime.evaluate', params={
                    'expression': 'window.siScreenshotTaken && window.siScreenshotTaken()'})
        future.add_done_callback(save)


def small_png(data):
    """The screenshot as a PNG of at most 256 colours (the web client's flat colours), about
    a fifth of Chrome's."""
    image = Image.open(io.BytesIO(data)).convert('RGB').quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format='PNG', optimize=True)
    return buffer.getvalue()


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

    @property
    def screenshots_folder(self):
        folder = os.environ.get(SCREENSHOTS_VARIABLE)
        return Path(folder).resolve() if folder else None

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        # The same on a busy machine: the web client may take over a minute to be ready.
        kwargs.setdefault('timeout', 240)
        if self.screenshots_folder:
            kwargs['cookies'] = {**kwargs.get('cookies', {}), SCREENSHOT_COOKIE: '1'}
            self.browser_size = SCREENSHOT_SIZE
        return super().start_tour(url_path, tour_name, step_delay, **kwargs)

    def authenticate(self, user, password, browser=None):
        # The browser of a tour is logged in here, before its first page.
        session = super().authenticate(user, password, browser=browser)
        if browser is not None and self.screenshots_folder:
            TourScreenshots(browser, self.screenshots_folder)
        return session

    def tearDown(self):
        # Whatever the browser did, no money invariant is broken.
        broken = self.env(su=True)['service.billing.integrity']._find_broken_invariants()
        super().tearDown()
        self.assertFalse(broken, "The tour left broken billing invariants:\n" + "\n".join(
            f"- [{finding['rule']}] {finding['message']}" for finding in broken))
