"""Every PDF carries its seller: the invoice Odoo prints and emails, the test reports and the
posted shipment, read back as a customer reads them (the text of the real PDF, pdftotext),
whatever wkhtmltopdf the machine has (Debian's drops Odoo's separate header and footer)."""

import base64
import io
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from unittest.mock import patch

from PIL import Image

from odoo import Command
from odoo.tests import tagged

from odoo.addons.service_invoicing.models import ir_actions_report

from .common import ServiceOrderCommon


@tagged('post_install', '-at_install')
class TestPdfSeller(ServiceOrderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        logo = io.BytesIO()
        Image.new('RGB', (48, 48), 'red').save(logo, format='PNG')  # found back in the PDF
        cls.company.write({
            'name': "Northwind Field Services", 'street': "27 Harbour Road",
            'city': "Portsmouth", 'zip': "PO1 3AX", 'vat': "BE0477472701",
            'logo': base64.b64encode(logo.getvalue()),
            'report_footer': False, 'company_details': False,
        })

    def setUp(self):
        super().setUp()
        if self.env['ir.actions.report'].get_wkhtmltopdf_state() == 'install' \
                or not shutil.which('pdftotext'):
            self.skipTest("needs wkhtmltopdf and pdftotext")
        # wkhtmltopdf would fetch the report's styles from this very server, which Odoo's test
        # runner keeps busy while it runs the tests: a closed port renders without them.
        self.env['ir.config_parameter'].sudo().set_param('report.url', 'http://127.0.0.1:9')
        self.folder = Path(tempfile.mkdtemp(prefix='si-pdf-'))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------------

    def render(self, report, records):
        pdf, report_type = self.env['ir.actions.report'].with_context(
            force_report_rendering=True)._render_qweb_pdf(report, records.ids)
        self.assertEqual(report_type, 'pdf')
        return pdf

    def pdf_text(self, pdf):
        self.assertTrue(pdf.startswith(b'%PDF'), pdf[:200])
        path = self.folder / 'document.pdf'
        path.write_bytes(pdf)
        return subprocess.run(['pdftotext', '-layout', str(path), '-'], capture_output=True,
                              text=True, check=True).stdout

    def pdf_images(self, pdf):
        path = self.folder / 'images.pdf'
        path.write_bytes(pdf)
        listing = subprocess.run(['pdfimages', '-list', str(path)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()
        return len(listing) - 2  # a title line and a rule

    def assert_seller(self, text, pages=1):
        """The seller's name, address, tax id and each page's number are in ``text``."""
        for seller in ("Northwind Field Services", "27 Harbour Road", "Portsmouth",
                       "PO1 3AX", "BE0477472701"):
            self.assertIn(seller, text)
        for page in range(1, pages + 1):
            self.assertIn(f"Page {page} / {pages}", text)

    def posted_invoice(self, lines=1, partner=None):
        invoice = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': (partner or self.customer).id,
            'invoice_date': date(2026, 3, 10),
            'invoice_line_ids': [Command.create({
                'product_id': self.maintenance.id, 'name': f"Maintenance visit {index + 1}",
                'quantity': 1.0, 'price_unit': 100.0,
            }) for index in range(lines)],
        })
        invoice.action_post()
        return invoice

    # --- the documents ------------------------------------------------------------------

    def test_printed_invoice_carries_the_seller_and_page_numbers(self):
        invoice = self.posted_invoice()
        pdf = self.render('account.account_invoices', invoice)
        text = self.pdf_text(pdf)
        self.assertIn(f"Invoice {invoice.name}", text)
        self.assertIn("Cooling Corp", text)
        self.assert_seller(text)
        self.assertGreaterEqual(self.pdf_images(pdf), 1, "the company logo is printed")

    def test_every_page_of_a_long_invoice_is_numbered(self):
        invoice = self.posted_invoice(lines=60)
        text = self.pdf_text(self.render('account.account_invoices', invoice))
        pages = text.count('\f')
        self.assertGreater(pages, 1, "60 lines fill more than a page")
        self.assert_seller(text, pages=pages)

    def test_two_invoices_printed_together_each_carry_the_seller(self):
        first = self.posted_invoice()
        second = self.posted_invoice(partner=self.customer_2)
        text = self.pdf_text(self.render('account.account_invoices', first | second))
        for invoice in (first, second):
            self.assertIn(f"Invoice {invoice.name}", text)
        self.assertEqual(text.count("Northwind Field Services"), 2, text)
        self.assertEqual(text.count("27 Harbour Road"), 2, text)
        self.assertEqual(text.count("BE0477472701"), 2, text)
        self.assertEqual(text.count("Page 1 / 1"), 2, text)

    def test_emailed_invoice_pdf_carries_the_seller(self):
        invoice = self.posted_invoice()
        self.env['account.move.send'].with_context(
            force_report_rendering=True)._generate_and_send_invoices(
                invoice, sending_methods=['email'])
        message = invoice.message_ids.filtered(
            lambda message: message.message_type == 'comment' and message.attachment_ids)
        self.assertEqual(len(message), 1, "the invoice email is posted with its PDF")
        pdfs = message.attachment_ids.filtered(lambda att: att.mimetype == 'application/pdf')
        self.assertEqual(len(pdfs), 1)
        text = self.pdf_text(pdfs.raw)
        self.assertIn(f"Invoice {invoice.name}", text)
        self.assert_seller(text)

    def test_contract_test_report_carries_the_seller(self):
        contract = self.create_contract()
        wizard = self.env['service.contract.invoice.wizard'].create(
            {'invoice_to_date': date(2026, 1, 31)})
        wizard.contract_ids = contract
        action = wizard.action_test_report()
        report = self.env[action['res_model']].browse(action['res_id'])
        self.assertEqual(report._name, 'service.test.report')
        text = self.pdf_text(self.render(
            'service_invoicing.action_report_service_test_report', report))
        self.assertIn("Cooling Corp", text)
        self.assert_seller(text)

    def test_posted_shipment_carries_the_seller(self):
        order = self.create_order([(self.labour, 2.0)])
        self.post(order, 'ship', ship={self.labour: 2.0})
        shipment = order.service_shipment_ids
        self.assertEqual(len(shipment), 1)
        text = self.pdf_text(self.render(
            'service_invoicing.action_report_service_shipment', shipment))
        self.assertIn(f"Posted Shipment {shipment.name}", text)
        self.assert_seller(text)


@tagged('post_install', '-at_install')
class TestPdfRenderer(ServiceOrderCommon):
    """Which wkhtmltopdf prints Odoo's separate header and footer, what Settings says, and
    that a renderer that prints them gets Odoo's report unchanged."""

    def detect(self, version_output):
        """What the detection says of a wkhtmltopdf answering ``version_output``."""
        ir_actions_report._prints_separate_headers.cache_clear()
        self.addCleanup(ir_actions_report._prints_separate_headers.cache_clear)
        answer = subprocess.CompletedProcess(['wkhtmltopdf', '--version'], 0, version_output, '')
        with patch.object(ir_actions_report, 'find_in_path', return_value='/usr/bin/wkhtmltopdf'), \
                patch.object(ir_actions_report.subprocess, 'run', return_value=answer) as run:
            in_body = self.env['ir.actions.report']._service_headers_in_body()
            settings = self.env['res.config.settings'].create({})
            shown = settings.service_pdf_headers_in_body
            self.env['ir.actions.report']._service_headers_in_body()
        self.assertEqual(run.call_count, 1, "the version is read once per process")
        self.assertEqual(shown, in_body)
        return in_body

    def test_unpatched_renderer_puts_headers_in_the_body_and_settings_warn(self):
        self.assertTrue(self.detect("wkhtmltopdf 0.12.6\n"))
        self.assertFalse(self.detect("wkhtmltopdf 0.12.6.1 (with patched qt)\n"))
        arch = self.env['res.config.settings'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn("service_pdf_headers_in_body", arch)
        self.assertIn("cannot print separate headers and footers", " ".join(arch.split()))

    def test_patched_renderer_gets_odoo_header_and_footer_unchanged(self):
        invoice = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': self.customer.id,
            'invoice_line_ids': [Command.create({'product_id': self.maintenance.id})],
        })
        report = self.env['ir.actions.report']._get_report('account.account_invoices')
        html = self.env['ir.actions.report']._render_qweb_html(report.id, invoice.ids)[0]
        Report = type(report)
        with patch.object(Report, '_service_headers_in_body', return_value=False):
            bodies, _ids, header, footer, _args = report._prepare_html(html, report.model)
            args = report._build_wkhtmltopdf_args(report.get_paperformat(), False)
        self.assertIn('minimal_layout_report_headers', header)
        self.assertIn(self.env.company.name, header)
        self.assertIn('minimal_layout_report_footers', footer)
        self.assertNotIn(self.env.company.name, bodies[0])
        self.assertEqual(args[args.index('--margin-top') + 1],
                         str(report.get_paperformat().margin_top))
        with patch.object(Report, '_service_headers_in_body', return_value=True):
            bodies, _ids, header, footer, _args = report._prepare_html(html, report.model)
        self.assertEqual((header, footer), ('', ''))
        self.assertIn(self.env.company.name, bodies[0])
