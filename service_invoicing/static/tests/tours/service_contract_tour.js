import { formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";

const { DateTime } = luxon;

// A service manager signs a prepaid contract, then bills it with a contract invoice run
// (Create Contract Invoices), in the browser. A yearly contract from the first of this month:
// its first period is a whole year, billed today.
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
            content: "From the first of this month",
            trigger: ".o_field_widget[name='date_start'] button",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='date_start'] input",
            run: `edit ${formatDate(DateTime.now().startOf("month"))}`,
        },
        {
            content: "Yearly",
            trigger: ".o_field_widget[name='invoice_period'] .o_select_menu_toggler",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Year'):last",
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
            trigger: ".o_field_widget[name='amount_per_period']:contains('1,200.00')",
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
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Signed')",
        },
        {
            content: "The contract invoice run: Invoicing > Create Contract Invoices",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_invoicing']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_contract_invoice_wizard']",
            run: "click",
        },
        {
            content: "Only this customer's contracts",
            trigger: ".modal .o_field_widget[name='partner_ids'] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Customer')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='partner_ids'] .o_tag:contains('Tour Customer')",
        },
        {
            content: "Create",
            trigger: ".modal button[name='action_run']",
            run: "click",
        },
        {
            content: "The run made one invoice of 1,200.00",
            trigger: ".modal .o_field_widget[name='created_count']:contains('1')",
        },
        {
            trigger: ".modal .o_field_widget[name='amount_text']:contains('1,200.00')",
        },
        {
            trigger: ".modal .o_field_widget[name='failed_count']:contains('0')",
        },
        {
            content: "View Invoices",
            trigger: ".modal button[name='action_view_invoices']",
            run: "click",
        },
        {
            content: "The invoice bills the contract's line, in draft",
            trigger: ".o_form_view .o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Maintenance')",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
    ],
});
