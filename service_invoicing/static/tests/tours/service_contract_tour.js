import { registry } from "@web/core/registry";

// A service manager signs a prepaid contract and creates its first invoice, in the browser.
registry.category("web_tour.tours").add("service_invoicing_contract_tour", {
    steps: () => [
        {
            content: "New service contract",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the customer",
            trigger: ".o_field_widget[name='partner_id'] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Customer')",
            run: "click",
        },
        {
            content: "Bill it in advance",
            trigger: ".o_field_widget[name='prepaid'] input",
            run: "click",
        },
        {
            content: "Add a line",
            trigger: ".o_field_widget[name='line_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='line_ids'] .o_field_widget[name='product_id'] input",
            run: "edit Tour Maintenance",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Maintenance')",
            run: "click",
        },
        {
            content: "The annual amount follows the line",
            trigger: ".o_field_widget[name='calculated_annual_amount']:contains('1,200.00')",
        },
        {
            content: "Sign the contract",
            trigger: ".o_statusbar_buttons button[name='action_sign']",
            run: "click",
        },
        {
            content: "Signed and locked",
            trigger: ".o_field_widget[name='change_status']:contains('Locked')",
        },
        {
            content: "Create the first invoice",
            trigger: ".o_statusbar_buttons button[name='action_create_invoice']",
            run: "click",
        },
        {
            content: "The invoice bills the first period",
            trigger: ".o_form_view .o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Maintenance')",
        },
    ],
});
