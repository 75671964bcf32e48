import { registry } from "@web/core/registry";
import { screenshot } from "@service_invoicing/../tests/tours/screenshot";

// A billing clerk sends invoices from the list, finds them queued, is asked before emailing
// again an invoice emailed before, and registers its payment, in the browser. Sending Client
// has three posted invoices: 100.00 and 200.00 not sent, 300.00 emailed already. No scheduled
// action runs on the server: queued invoices wait, and the screens say so.
registry.category("web_tour.tours").add("service_invoicing_sending_tour", {
    steps: () => [
        {
            content: "Sending Client's invoices",
            trigger: ".o_searchview_input",
            run: "edit Sending Client",
        },
        {
            trigger: ".o_searchview_autocomplete .o-dropdown-item:first",
            run: "click",
        },
        {
            content: "Two not sent, one sent",
            trigger: ".o_data_row:contains('Sending Client'):contains('100.00') td[name='service_sending_status']:contains('Not Sent')",
        },
        {
            trigger: ".o_data_row:contains('200.00') td[name='service_sending_status']:contains('Not Sent')",
        },
        {
            trigger: ".o_data_row:contains('300.00') td[name='service_sending_status']:contains('Sent'):not(:contains('Not'))",
        },
        {
            content: "Select the two not sent",
            trigger: ".o_data_row:contains('100.00') .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('200.00') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Send",
            trigger: ".o_control_panel button[name='action_send_and_print']:contains('Send')",
            run: "click",
        },
        {
            content: "The Send window says the queued invoices will wait",
            trigger: ".modal #alerts:contains('No scheduled actions run on this Odoo server (max_cron_threads is 0): queued invoices wait until the scheduled action')",
        },
        {
            trigger: ".modal button[name='action_send_and_print']:contains('Send')",
            run: "click",
        },
        {
            content: "2 invoices queued; they wait (the message stays until closed)",
            trigger: ".o_notification:contains('2 invoices queued for sending. No scheduled actions run on this Odoo server')",
        },
        {
            trigger: ".o_notification:contains('2 invoices queued for sending.') .o_notification_close",
            run: "click",
        },
        {
            content: "The list shows them Queued",
            trigger: ".o_list_view:not(:has(.modal)) .o_data_row:contains('100.00') td[name='service_sending_status']:contains('Queued')",
        },
        {
            trigger: ".o_data_row:contains('200.00') td[name='service_sending_status']:contains('Queued')",
        },
        ...screenshot("invoices_sending", ".o_data_row:contains('300.00') td[name='service_sending_status']:contains('Sent')"),
        {
            content: "Filter: Queued for Sending",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o-dropdown-item:contains('Queued for Sending')",
            run: "click",
        },
        {
            content: "The two queued, not the sent one",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('300.00'))) .o_data_row:contains('100.00') td[name='service_sending_status']:contains('Queued')",
        },
        {
            trigger: ".o_data_row:contains('200.00')",
        },
        {
            content: "Open the 100.00 one",
            trigger: ".o_data_row:contains('100.00') td[name='invoice_partner_display_name']",
            run: "click",
        },
        {
            content: "Its form says it waits",
            trigger: ".o_form_view #alerts:contains('This invoice is queued for sending. No scheduled actions run on this Odoo server')",
        },
        {
            content: "Back to the list, every invoice",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Service Invoices')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('Queued for Sending') .o_facet_remove",
            run: "click",
        },
        {
            content: "Open the one emailed",
            trigger: ".o_data_row:contains('300.00') td[name='invoice_partner_display_name']",
            run: "click",
        },
        {
            content: "Send",
            trigger: ".o_statusbar_buttons button[name='action_invoice_sent']",
            run: "click",
        },
        {
            content: "The Send window says when and to whom it was emailed",
            trigger: ".modal #alerts:contains('was already emailed on'):contains('to ap@sending-client.example.com. Send Again emails it once more.')",
        },
        {
            content: "Send Again instead of Send, and it asks",
            trigger: ".modal .modal-footer button:contains('Send Again')",
            run: "click",
        },
        {
            trigger: ".modal .modal-body:contains('This invoice was emailed before (see above). Email it once more?')",
        },
        {
            content: "Not again",
            trigger: ".modal:has(.modal-body:contains('Email it once more?')) .modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            trigger: ".modal:not(:has(.modal-body:contains('Email it once more?'))) .modal-footer button:contains('Discard')",
            run: "click",
        },
        {
            content: "Register the customer's payment",
            trigger: ".o_form_view:not(:has(.modal)) .o_statusbar_buttons button[name='action_register_payment']",
            run: "click",
        },
        {
            content: "The whole amount is proposed",
            trigger: ".modal .o_field_widget[name='amount'] input:value(300.00)",
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
