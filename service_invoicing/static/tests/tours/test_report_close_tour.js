import { registry } from "@web/core/registry";

// Closing a test report by its X returns to the wizard it was made from, as it was left:
// the quantity typed in Post is still there (the wizard was thrown away before).
registry.category("web_tour.tours").add("service_invoicing_test_report_close_tour", {
    steps: () => [
        {
            content: "Open the order",
            trigger: ".o_data_row:contains('Close Tour Customer') td[name='partner_id']",
            run: "click",
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
            content: "Ship only: no quantity to invoice",
            trigger: ".modal:not(:has(th[data-name='qty_to_invoice']))",
        },
        {
            content: "The 5 ordered are proposed to ship",
            trigger: ".modal .o_data_row:contains('Close Tour Repair') td[name='qty_to_ship']:contains('5.00')",
        },
        {
            content: "Type 2 of the 5 to ship",
            trigger: ".modal .o_data_row:contains('Close Tour Repair') td[name='qty_to_ship']",
            run: "click",
        },
        {
            trigger: ".modal .o_data_row .o_field_widget[name='qty_to_ship'] input",
            run: "edit 2",
        },
        {
            content: "Test Report",
            trigger: ".modal button[name='action_test_report']",
            run: "click",
        },
        {
            content: "The test report shows",
            trigger: ".modal button[name='action_refresh']",
        },
        {
            content: "Close the dialog by its X",
            trigger: ".modal .modal-header .btn-close",
            run: "click",
        },
        {
            content: "Back in Post, Ship, with the 2 typed",
            trigger: ".modal .o_field_widget[name='option'] input[data-value='ship']:checked",
        },
        {
            trigger: ".modal .o_data_row:contains('Close Tour Repair') td[name='qty_to_ship']:contains('2.00')",
        },
        {
            trigger: ".modal button[name='action_post']",
        },
    ],
});
