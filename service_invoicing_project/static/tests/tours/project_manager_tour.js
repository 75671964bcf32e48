import { registry } from "@web/core/registry";

// A project's manager approves the time logged on their project (Timesheets > Approve
// Timesheets), then invoices the project (Invoice Projects), in the browser.
registry.category("web_tour.tours").add("service_invoicing_project_manager_tour", {
    steps: () => [
        {
            content: "Timesheets > Approve Timesheets > Timesheets to Approve",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing_project.menu_timesheet_approval']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing_project.menu_timesheet_to_approve']",
            run: "click",
        },
        {
            content: "Grouped by week, then by employee",
            trigger: ".o_list_view .o_group_header:contains('W')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_group_header:contains('Nina Tour Engineer')",
            run: "click",
        },
        {
            content: "Nina's 4 hours on the project wait for approval",
            trigger: ".o_data_row:contains('Tour Retrofit'):contains('Design review') td[name='unit_amount']:contains('04:00')",
        },
        {
            trigger: ".o_data_row:contains('Design review') td[name='service_billing_status']:contains('Not Ready to Invoice')",
        },
        {
            content: "Select it",
            trigger: ".o_data_row:contains('Design review') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Approve",
            trigger: ".o_control_panel button[name='action_service_approve']",
            run: "click",
        },
        {
            content: "Nothing waits for approval any more",
            trigger: ".o_view_nocontent:contains('No timesheet waits for your approval')",
        },
        {
            content: "Service Invoicing > Invoicing > Invoice Projects",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: ".o_app[data-menu-xmlid='service_invoicing.menu_service_invoicing_root']",
            run: "click",
        },
        {
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_invoicing']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing_project.menu_service_project_invoice_wizard']",
            run: "click",
        },
        {
            content: "The project",
            trigger: ".modal .o_field_widget[name='project_ids'] input",
            run: "edit Tour Retrofit",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Retrofit')",
            run: "click",
        },
        {
            content: "One item ready: the 4 approved hours at 100.00",
            trigger: ".modal .o_field_widget[name='item_count']:contains('1')",
        },
        {
            trigger: ".modal .o_field_widget[name='amount_ready']:contains('400.00')",
        },
        {
            content: "Create Proforma Invoices",
            trigger: ".modal button[name='action_create']",
            run: "click",
        },
        {
            content: "The invoice bills the 4 hours",
            trigger: ".o_form_view:not(:has(.modal)) .o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Consulting'):contains('4.00')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('400.00')",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Draft')",
        },
    ],
});
