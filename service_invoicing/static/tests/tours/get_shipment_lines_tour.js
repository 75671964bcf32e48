import { registry } from "@web/core/registry";

// A billing clerk invoices part of a delivery with Get Shipment Lines, in the browser.
registry.category("web_tour.tours").add("service_invoicing_get_shipment_lines_tour", {
    steps: () => [
        {
            content: "New customer invoice",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "No Get Shipment Lines before the customer is chosen (it left an empty draft)",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name='action_get_shipment_lines']))",
        },
        {
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Shipment Tour Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Shipment Tour Customer')",
            run: "click",
        },
        {
            content: "A plain invoice has no Statistics tab and no Billing Type column",
            trigger: ".o_form_view .o_notebook_headers:not(:has(a:contains('Statistics')))",
        },
        {
            trigger: ".o_field_widget[name='invoice_line_ids'] table:not(:has(th[data-name='service_billing_type']))",
        },
        {
            content: "Get Shipment Lines",
            trigger: ".o_statusbar_buttons button[name='action_get_shipment_lines']",
            run: "click",
        },
        {
            content: "The delivered, not invoiced line is listed",
            trigger: ".modal .o_field_widget[name='line_ids'] .o_data_row:contains('Tour Filter')",
        },
        {
            content: "Invoice 2 of the 5 shipped",
            trigger: ".modal .o_data_row td[name='qty_to_invoice']",
            run: "click",
        },
        {
            trigger: ".modal .o_data_row .o_field_widget[name='qty_to_invoice'] input",
            run: "edit 2",
        },
        {
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The line is on the invoice",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Filter')",
        },
        {
            content: "An invoice of shipments has its Statistics tab and Billing Type column",
            trigger: ".o_form_view .o_notebook_headers a:contains('Statistics')",
        },
        {
            trigger: ".o_field_widget[name='invoice_line_ids'] th[data-name='service_billing_type']",
        },
    ],
});
