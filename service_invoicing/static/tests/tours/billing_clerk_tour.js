import { registry } from "@web/core/registry";

// A billing clerk combines a customer's shipments of two orders on one invoice, confirms it
// and registers its payment, in the browser.
registry.category("web_tour.tours").add("service_invoicing_billing_clerk_tour", {
    steps: () => [
        {
            content: "Invoicing > Combine Shipments",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_invoicing']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_shipment_combine_wizard']",
            run: "click",
        },
        {
            content: "This customer's shipments",
            trigger: ".modal .o_field_widget[name='partner_ids'] input",
            run: "edit Billing Tour Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Billing Tour Customer')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='partner_ids'] .o_tag:contains('Billing Tour Customer')",
        },
        {
            content: "Create Invoices",
            trigger: ".modal button[name='action_create']",
            run: "click",
        },
        {
            content: "One invoice bills both orders' shipments: 2 + 3 inspections at 150.00",
            trigger: ".o_form_view:not(:has(.modal)) .o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Inspection'):contains('2.00')",
        },
        {
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Inspection'):contains('3.00')",
        },
        {
            trigger: ".o_field_widget[name='tax_totals']:contains('750.00')",
        },
        {
            content: "Confirm the invoice",
            trigger: ".o_statusbar_buttons button[name='action_post']:visible:first",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
        {
            content: "Register the customer's payment",
            trigger: ".o_statusbar_buttons button[name='action_register_payment']",
            run: "click",
        },
        {
            content: "The whole amount is proposed",
            trigger: ".modal .o_field_widget[name='amount'] input:value(750.00)",
        },
        {
            trigger: ".modal button[name='action_create_payments']",
            run: "click",
        },
        {
            content: "Paid",
            trigger: ".o_form_view:not(:has(.modal)) .ribbon:contains('Paid')",
        },
    ],
});
