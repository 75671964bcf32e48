"""The main job end to end: a demo company invoices its contracts and emails the invoices
through a real SMTP server (aiosmtpd on 127.0.0.1), each with its PDF; it posts service
orders; it emails its project's invoice too (the project itself: test_demo_projects.py); its
servers stop with it."""

import email
import re
import subprocess

from conftest import psql

# What the demo's service orders leave in the database, read from Odoo's own sale and stock
# columns: orders posted, shipped and not invoiced (goods on a delivery when Inventory is
# installed), partly shipped. The project's order (delivered by timesheets and milestones) is
# not one of them.
SERVICE_LINES = "qty_delivered_method NOT IN ('timesheet', 'milestones')"
ORDER_FIGURES = {
    'orders posted': f"""
        SELECT count(DISTINCT order_id) FROM sale_order_line
        WHERE qty_delivered > 0 AND {SERVICE_LINES}""",
    'posted order invoices': f"""
        SELECT count(DISTINCT move.id) FROM sale_order_line_invoice_rel rel
        JOIN sale_order_line sol ON sol.id = rel.order_line_id
        JOIN account_move_line line ON line.id = rel.invoice_line_id
        JOIN account_move move ON move.id = line.move_id
        WHERE move.state = 'posted' AND sol.{SERVICE_LINES}""",
    'lines shipped, not invoiced': f"""
        SELECT count(*) FROM sale_order_line
        WHERE qty_delivered > 0 AND qty_to_invoice > 0 AND {SERVICE_LINES}""",
    'lines partly shipped': f"""
        SELECT count(*) FROM sale_order_line
        WHERE qty_delivered > 0 AND qty_delivered < product_uom_qty AND {SERVICE_LINES}""",
}
ON_DELIVERIES = """
    SELECT count(DISTINCT line.id) FROM sale_order_line line
    JOIN stock_move move ON move.sale_line_id = line.id
    WHERE move.state = 'done' AND line.qty_to_invoice > 0"""


def order_figures(database):
    figures = {name: int(psql(database, sql)[0][0]) for name, sql in ORDER_FIGURES.items()}
    if psql(database, "SELECT to_regclass('stock_move') IS NOT NULL")[0][0] == 't':
        figures['of them on done deliveries'] = int(psql(database, ON_DELIVERIES)[0][0])
    return figures


def pdf_text(pdf, path):
    path.write_bytes(pdf)
    return subprocess.run(['pdftotext', '-layout', str(path), '-'], capture_output=True,
                          text=True, check=True).stdout


def test_demo_invoices_and_emails_every_invoice_with_its_pdf(demo_run, tmp_path):
    output = demo_run.output
    assert demo_run.process.returncode == 0, output[-3000:]
    assert not demo_run.servers_left, f"still listening after the demo: {demo_run.servers_left}"
    figures = order_figures(demo_run.database)
    invoices = int(re.search(r'invoices created:\s+(\d+), posted: (\d+)', output).group(1))
    delivered = int(re.search(r'emails delivered:\s+(\d+)', output).group(1))
    assert invoices >= 8, output
    assert delivered == invoices
    # The project's invoice (billed from its backlog) is emailed as well.
    project = re.search(r'project invoice: +(\d+) of the ready items, posted: (\d+), .*'
                        r'emailed: (\d+)', output)
    assert project, output[-3000:]
    project_invoices = int(project.group(1))
    assert project_invoices == int(project.group(2)) == int(project.group(3)) == 1
    assert "refused: Contract" in output and "is Open: lock it" in output
    # The demo ends with the accountant's billing integrity check.
    assert "billing integrity:  every invariant holds" in output, output[-3000:]
    totals = dict(re.findall(r'^ {4}(INV/\d{4}/\d{5}) .*? (-?\d+\.\d\d)  ', output, re.M))

    messages = demo_run.messages
    assert len(messages) == invoices + project_invoices
    recipients = set()
    for message in messages:
        pdfs = [part for part in message.walk() if part.get_content_type() == 'application/pdf']
        assert len(pdfs) == 1, message['Subject']
        pdf = pdfs[0].get_payload(decode=True)
        assert pdf.startswith(b'%PDF')
        number = re.search(r'INV/\d{4}/\d{5}', message['Subject']).group(0)
        assert number in output
        # The PDF has a text layer: the customer can search and copy its number and total.
        text = pdf_text(pdf, tmp_path / 'invoice.pdf')
        assert f'Invoice {number}' in text, text[:2000]
        # The seller: name, address and tax id (wkhtmltopdf without patched Qt prints the
        # header in the page body), and the page number.
        for seller in ("Demo Services Inc.", "100 Harbor Way", "Springfield", "62701",
                       "Tax ID: 12-3456789"):
            assert seller in text, (seller, text[:2000])
        assert re.search(r'\bPage 1 / [1-9]\b', text), text[-2000:]
        total = f'{float(totals[number]):,.2f}'
        assert re.search(r'\bTotal\s+\$\s*' + re.escape(total) + r'\b', text), (total, text)
        assert 'billing@demo-services.example.com' in message['From']
        recipients.add(email.utils.parseaddr(message['To'])[1])
    # Two invoices go to each customer with two invoices; every customer is emailed, the
    # project's customer too.
    assert recipients == {
        'accounts@northwind-cooling.example.com', 'ap@contoso-facilities.example.com',
        'billing@fabrikam.example.com', 'invoices@tailspin-clinics.example.com',
        'finance@adatum.example.com', 'office@litware.example.com',
        'payables@woodgrove-labs.example.com'}

    # Service orders: posted (some invoiced), some shipped and not invoiced, one partly shipped;
    # the summary says so.
    assert all(figures.values()), figures
    assert re.search(r'service orders: +\d+ confirmed, [1-9]\d* posted, [1-9]\d* partly shipped',
                     output), output[-3000:]
    shipped = re.search(r'shipped, not invoiced: (\d+) order lines \((\d+) on deliveries\)', output)
    assert shipped and int(shipped.group(1)) == figures['lines shipped, not invoiced']
    assert int(shipped.group(2)) == figures.get('of them on done deliveries', 0)
