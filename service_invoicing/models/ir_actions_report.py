"""Every PDF carries its seller, whatever wkhtmltopdf the server has.

Odoo prints a report's header (company logo, name, address, tax id) and footer (company
footer, "Page X / Y") with wkhtmltopdf's ``--header-html`` and ``--footer-html``. A
wkhtmltopdf built without its patched Qt (Debian's and Ubuntu's packages) drops both switches
and prints documents without their seller. On such a renderer, the header is put at the top
of each document's body, the footer at its end, and "Page X / Y" is stamped on every page
after rendering; each document (record) is rendered on its own, as such a renderer cannot
put several in one run. With a patched renderer nothing changes.
"""

import functools
import io
import logging
import re
import subprocess
from collections import OrderedDict

import lxml.html
from markupsafe import Markup
from reportlab.pdfgen import canvas

from odoo import api, models
from odoo.tools.misc import find_in_path
from odoo.tools.pdf import PdfFileReader, PdfFileWriter, merge_pdf

_logger = logging.getLogger(__name__)

# Marks a body whose footer asked for page numbers (Odoo's "Page <span class="page"/> ...").
PAGE_NUMBERS_MARK = 'data-service-page-numbers'
# Top margin (mm) of pages whose header is in the body rather than in the margin.
BODY_HEADER_MARGIN_TOP = 10.0
MM = 72 / 25.4  # PDF points per millimetre
PAGE_SPAN_XPATH = (".//span[contains(concat(' ', normalize-space(@class), ' '), ' page ') or "
                   "contains(concat(' ', normalize-space(@class), ' '), ' topage ')]")


@functools.lru_cache(4)
def _prints_separate_headers(bin_path):
    """Whether the wkhtmltopdf at ``bin_path`` prints ``--header-html``/``--footer-html``:
    only a build "with patched qt" does (read once per process and binary)."""
    try:
        version = subprocess.run([bin_path, '--version'], capture_output=True, text=True,
                                 timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        _logger.warning("Could not read the version of wkhtmltopdf at %s", bin_path)
        return True
    patched = 'with patched qt' in version.lower()
    if not patched:
        _logger.info("wkhtmltopdf at %s (%s) cannot print separate headers and footers: "
                     "report headers and footers go in the page body", bin_path, version.strip())
    return patched


def _layout_children(html, container_id):
    """The header (or footer) of each document in Odoo's combined header (footer) html."""
    if not html:
        return []
    root = lxml.html.fromstring(html)
    containers = root.xpath(f"//div[@id='{container_id}']")
    return list(containers[0]) if containers else []


def _for_body(nodes, index, count):
    if len(nodes) == count:
        return nodes[index]
    # One header for several bodies (or the other way round): the first serves them all.
    return nodes[0] if nodes else None


class IrActionsReport(models.Model):
    _inherit = 'ir.actions.report'

    @api.model
    def _service_headers_in_body(self):
        """True when the PDF renderer cannot print separate headers and footers (wkhtmltopdf
        built without patched Qt): the one place that decides, cached per process."""
        try:
            bin_path = find_in_path('wkhtmltopdf')
        except OSError:
            return False  # no renderer: no PDF at all, Odoo says so
        return not _prints_separate_headers(bin_path)

    def _prepare_html(self, html, report_model=False):
        result = super()._prepare_html(html, report_model=report_model)
        if not result or not self._service_headers_in_body():
            return result
        bodies, res_ids, header, footer, paperformat_args = result
        headers = _layout_children(header, 'minimal_layout_report_headers')
        footers = _layout_children(footer, 'minimal_layout_report_footers')
        count = len(bodies)
        bodies = [
            self._service_body_with_header(
                body, _for_body(headers, index, count), _for_body(footers, index, count))
            for index, body in enumerate(bodies)]
        # Nothing left for --header-html / --footer-html, which this renderer ignores.
        return bodies, res_ids, '', '', paperformat_args

    @api.model
    def _service_body_with_header(self, body, header, footer):
        """``body`` (one document's html page) with ``header`` at its top and ``footer`` at
        its end; the footer's page number spans (empty outside wkhtmltopdf's footer) go, and
        the body is marked to have "Page X / Y" stamped instead."""
        page_numbers = False
        if footer is not None:
            for span in footer.xpath(PAGE_SPAN_XPATH):
                page_numbers = True
                holder = span.getparent()
                if holder is not None and holder is not footer and holder.getparent() is not None:
                    holder.drop_tree()
                else:
                    span.drop_tree()
        header_html = lxml.html.tostring(header, encoding='unicode') if header is not None else ''
        footer_html = lxml.html.tostring(footer, encoding='unicode') if footer is not None else ''
        body = str(body)
        opening = re.search(r'<body\b[^>]*>', body)
        closing = body.rfind('</body>')
        if not opening or closing < opening.end():
            return Markup(header_html + body + footer_html)
        tag = opening.group(0)
        if page_numbers:
            tag = tag[:-1] + f' {PAGE_NUMBERS_MARK}="1">'
        return Markup(body[:opening.start()] + tag + header_html + body[opening.end():closing]
                      + footer_html + body[closing:])

    @api.model
    def _build_wkhtmltopdf_args(self, paperformat_id, landscape, specific_paperformat_args=None,
                                set_viewport_size=False):
        args = super()._build_wkhtmltopdf_args(
            paperformat_id, landscape, specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size)
        if not self._service_headers_in_body():
            return args
        # The top margin held the header, now in the body; the header switches are ignored.
        result = []
        skip = False
        for index, arg in enumerate(args):
            if skip:
                skip = False
                continue
            if arg == '--header-spacing':
                skip = True
                continue
            if arg == '--header-line':
                continue
            if arg == '--margin-top' and index + 1 < len(args):
                result += [arg, str(min(float(args[index + 1]), BODY_HEADER_MARGIN_TOP))]
                skip = True
                continue
            result.append(arg)
        return result

    @api.model
    def _run_wkhtmltopdf(self, bodies, report_ref=False, header=None, footer=None,
                         landscape=False, specific_paperformat_args=None,
                         set_viewport_size=False):
        bodies = list(bodies)
        if not bodies or not self._service_headers_in_body():
            return super()._run_wkhtmltopdf(
                bodies, report_ref=report_ref, header=header, footer=footer, landscape=landscape,
                specific_paperformat_args=specific_paperformat_args,
                set_viewport_size=set_viewport_size)
        # One document per run (this renderer fails on several), each numbered on its own.
        pdfs = []
        for body in bodies:
            pdf = super()._run_wkhtmltopdf(
                [body], report_ref=report_ref, header=None, footer=None, landscape=landscape,
                specific_paperformat_args=specific_paperformat_args,
                set_viewport_size=set_viewport_size)
            if PAGE_NUMBERS_MARK in str(body):
                paperformat = (self._get_report(report_ref).get_paperformat() if report_ref
                               else self.get_paperformat())
                pdf = self._service_stamp_page_numbers(pdf, paperformat, specific_paperformat_args)
            pdfs.append(pdf)
        return pdfs[0] if len(pdfs) == 1 else merge_pdf(pdfs)

    @api.model
    def _service_stamp_page_numbers(self, pdf_content, paperformat, specific_paperformat_args=None):
        """``pdf_content`` with "Page X / Y" at the bottom right of each page, in the bottom
        margin where Odoo's footer prints it."""
        margin_bottom = float((specific_paperformat_args or {}).get('data-report-margin-bottom')
                              or (paperformat and paperformat.margin_bottom) or 0)
        margin_right = float(paperformat and paperformat.margin_right or 0)
        reader = PdfFileReader(io.BytesIO(pdf_content), strict=False)
        pages = list(reader.pages)
        # Within the bottom margin when there is one, else just above the page's edge.
        baseline = max(min(margin_bottom / 2, 12.0), 4.0) * MM
        right = (margin_right + 11.0) * MM  # Odoo's report padding is 11 mm
        packet = io.BytesIO()
        stamp = canvas.Canvas(packet)
        for index, page in enumerate(pages):
            width, height = float(abs(page.mediabox.width)), float(abs(page.mediabox.height))
            stamp.setPageSize((width, height))
            stamp.setFont('Helvetica', 8)
            stamp.setFillGray(0.4)
            stamp.drawRightString(width - right, baseline, self.env._(
                "Page %(page)s / %(count)s", page=index + 1, count=len(pages)))
            stamp.showPage()
        stamp.save()
        stamps = PdfFileReader(packet).pages
        writer = PdfFileWriter()
        for page, page_stamp in zip(pages, stamps, strict=True):
            page.merge_page(page_stamp)
            writer.add_page(page)
        output = io.BytesIO()
        writer.write(output)
        return output.getvalue()

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Several records on a renderer without separate headers: one record at a time (as
        Odoo does when it cannot split a PDF), so each has its own header and page count."""
        if (not res_ids or len(set(res_ids)) < 2 or len(set(res_ids)) != len(res_ids)
                or not self._service_headers_in_body()):
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        collected_streams = OrderedDict()
        for res_id in res_ids:
            streams = super()._render_qweb_pdf_prepare_streams(
                report_ref, dict(data or {}), res_ids=[res_id])
            collected_streams[res_id] = streams.get(res_id) or streams.get(False)
        return collected_streams
