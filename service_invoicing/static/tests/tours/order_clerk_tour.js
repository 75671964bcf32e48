import { registry } from "@web/core/registry";
import { screenshot } from "@service_invoicing/../tests/tours/screenshot";

// An order clerk confirms a service order, posts a shipment of it (Post > Ship), finds the
// posted shipment from the order, then invoices it (Post > Invoice), in the browser.
registry.category("web_tour.tours").add("service_invoicing_order_clerk_tour", {
    steps: () => [
        {
            content: "Open the quotation",
            trigger: ".o_data_row:contains('Clerk Tour Customer') td[name='partner_id']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
        {
            content: "No Post before the order is confirmed",
            trigger: ".o_statusbar_buttons:not(:has(button[name='action_service_post']))",
        },
        {
            content: "Confirm the order",
            trigger: ".o_statusbar_buttons button[name='action_confirm']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
        {
            content: "Post",
            trigger: ".o_statusbar_buttons button[name='action_service_post']",
            run: "click",
        },
        {
            content: "Ship",
            trigger: ".modal .o_field_widget[name='option'] input[data-value='ship']",
            run: "click",
        },
        {
            content: "The 5 hours ordered are proposed to ship",
            trigger: ".modal .o_data_row:contains('Tour Installation') td[name='qty_to_ship']:contains('5.00')",
        },
        {
            trigger: ".modal:not(:has(th[data-name='qty_to_invoice']))",
        },
        ...screenshot("post_wizard", ".modal .o_data_row:contains('Tour Installation')"),
        {
            trigger: ".modal button[name='action_post']",
            run: "click",
        },
        {
            content: "The order has its posted shipment",
            trigger: ".o_form_view:not(:has(.modal)) .oe_stat_button:contains('Shipments'):contains('1')",
        },
        {
            content: "5 shipped, not invoiced",
            trigger: ".o_field_widget[name='order_line'] .o_data_row:contains('Tour Installation') td[name='service_qty_shipped_not_invoiced']:contains('5.00')",
        },
        {
            content: "Open the shipment",
            trigger: ".oe_stat_button:contains('Shipments')",
            run: "click",
        },
        {
            content: "The shipment ships the 5 hours",
            trigger: ".o_form_view .o_data_row:contains('Tour Installation'):contains('5.00')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='partner_id']:contains('Clerk Tour Customer')",
        },
        {
            content: "Back to the order",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('S0')",
            run: "click",
        },
        {
            content: "Post again",
            trigger: ".o_statusbar_buttons button[name='action_service_post']",
            run: "click",
        },
        {
            content: "Invoice",
            trigger: ".modal .o_field_widget[name='option'] input[data-value='invoice']",
            run: "click",
        },
        {
            content: "The 5 hours shipped are proposed to invoice, nothing to ship",
            trigger: ".modal .o_data_row:contains('Tour Installation') td[name='qty_to_invoice']:contains('5.00')",
        },
        {
            trigger: ".modal:not(:has(th[data-name='qty_to_ship']))",
        },
        {
            trigger: ".modal button[name='action_post']",
            run: "click",
        },
        {
            content: "The invoice bills the 5 hours: 5 x 80.00 untaxed",
            trigger: ".o_form_view .o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Installation'):contains('5.00')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('400.00')",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
    ],
});
