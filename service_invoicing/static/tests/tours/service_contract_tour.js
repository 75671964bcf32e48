import { formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { screenshot } from "@service_invoicing/../tests/tours/screenshot";

const { DateTime } = luxon;

// A service manager signs a prepaid contract, then bills it with a contract invoice run
// (Create Contract Invoices), in the browser. A yearly contract from the first of this month:
// its first period is a whole year, billed today. Then the manager reads the Reporting menu
// (Billed Revenue, Contract Billing Forecast, Backlog Aging) and finds the contract of Lapsed
// Facilities expired.
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
        ...screenshot("contract", ".o_form_view .o_field_widget[name='change_status']:contains('Locked')"),
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
        {
            content: "Reporting > Billed Revenue",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_reporting']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_billing_revenue_report']",
            run: "click",
        },
        {
            content: "A chart of what was billed, by month",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Lapsed Facilities' revenue",
            trigger: ".o_searchview_input",
            run: "edit Lapsed Facilities",
        },
        {
            trigger: ".o_searchview_autocomplete .o-dropdown-item:first:contains('Customer')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('Lapsed Facilities')",
        },
        {
            content: "Per month: its four quarters posted this month, 1,200.00",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            trigger: ".o_pivot tbody tr:last-child td:contains('1,200.00')",
        },
        {
            content: "Reporting > Contract Billing Forecast",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_reporting']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_contract_forecast']",
            run: "click",
        },
        {
            content: "What the contracts will bill, month by month",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        ...screenshot("reporting", ".o_graph_view .o_graph_renderer canvas"),
        {
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Ongoing Works bills 200.00 a month",
            trigger: ".o_list_view .o_data_row:contains('Ongoing Works') td[name='amount']:contains('200.00')",
        },
        {
            content: "Reporting > Backlog Aging",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_reporting']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_billing_ageing_report']",
            run: "click",
        },
        {
            content: "What waits for Ongoing Works",
            trigger: ".o_pivot_view .o_searchview_input",
            run: "edit Ongoing Works",
        },
        {
            trigger: ".o_searchview_autocomplete .o-dropdown-item:first:contains('Customer')",
            run: "click",
        },
        {
            content: "This month waits to be invoiced: 200.00, under 30 days",
            trigger: ".o_searchview_facet:contains('Ongoing Works')",
        },
        {
            trigger: ".o_pivot thead th:contains('0-30 Days')",
        },
        {
            trigger: ".o_pivot tbody th:contains('Contract Period')",
        },
        {
            trigger: ".o_pivot tbody td:contains('200.00')",
        },
        {
            content: "Contracts > Service Contracts",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_contracts']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_contract']",
            run: "click",
        },
        {
            content: "Lapsed Facilities' contract reads Expired, muted",
            trigger: ".o_data_row.text-muted:contains('Lapsed Facilities') td[name='is_expired'] input:checked",
        },
        {
            trigger: ".o_data_row:contains('Lapsed Facilities') td[name='partner_id']",
            run: "click",
        },
        {
            content: "The Expired ribbon; billed to date 1,200.00, nothing more to invoice",
            trigger: ".o_form_view .ribbon:contains('Expired')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='billed_to_date']:contains('1,200.00')",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name='action_create_invoice']))",
        },
    ],
});
