import { registry } from "@web/core/registry";

// A customer's contact, a portal user, opens My Account > Shipments > their posted shipment
// and reads what was shipped and invoiced, then My Account > Billing and reads what is left
// to invoice and the estimate of their next invoice.
registry.category("web_tour.tours").add("service_invoicing_portal_billing_tour", {
    steps: () => [
        {
            content: "My Account: Shipments",
            trigger: ".o_portal_index_card a[href='/my/shipments']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the shipment",
            trigger: ".o_portal_my_doc_table a[href^='/my/shipments/']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "5 hours shipped",
            trigger: "tr.o_service_shipment_line:contains('Tour Portal Labour') td.o_service_qty_shipped:contains('5.00')",
        },
        {
            content: "2 invoiced",
            trigger: "tr.o_service_shipment_line:contains('Tour Portal Labour') td.o_service_qty_invoiced:contains('2.00')",
        },
        {
            content: "3 left to invoice",
            trigger: "tr.o_service_shipment_line:contains('Tour Portal Labour') td.o_service_qty_to_invoice:contains('3.00')",
        },
        {
            content: "The invoice of the 2 hours, 184.00 with taxes",
            trigger: "tr.o_service_shipment_invoice:contains('184.00') a[href^='/my/invoices/']",
        },
        {
            content: "Back to My Account",
            trigger: ".breadcrumb a[href='/my/home']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "My Account: Billing",
            trigger: ".o_portal_index_card a[href='/my/billing']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The 3 hours are to invoice, 240.00",
            trigger: "tr.o_service_billing_item:contains('Tour Portal Labour'):contains('3.00 Hours'):contains('240.00'):contains('To Invoice')",
        },
        {
            content: "The next invoice: 240.00 untaxed, 276.00 with taxes",
            trigger: ".o_service_next_invoice:contains('Untaxed Amount'):contains('240.00') tr.o_total:contains('276.00')",
        },
    ],
});
