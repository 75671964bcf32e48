import { registry } from "@web/core/registry";

// An employee logs time on a task of a billable project (Timesheets), and sees it waiting
// for approval, in the browser.
registry.category("web_tour.tours").add("service_invoicing_employee_timesheet_tour", {
    steps: () => [
        {
            content: "New line in My Timesheets",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "The project",
            trigger: ".o_selected_row .o_field_widget[name='project_id'] input",
            run: "edit Tour Retrofit",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Retrofit')",
            run: "click",
        },
        {
            content: "The task",
            trigger: ".o_selected_row .o_field_widget[name='task_id'] input",
            run: "edit Tour Design",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Tour Design')",
            run: "click",
        },
        {
            content: "What was done",
            trigger: ".o_selected_row .o_field_widget[name='name'] input",
            run: "edit Site survey",
        },
        {
            content: "3 hours",
            trigger: ".o_selected_row .o_field_widget[name='unit_amount'] input",
            run: "edit 03:00",
        },
        {
            content: "Save",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Logged, not approved",
            trigger: ".o_list_view:not(:has(.o_selected_row)) .o_data_row:contains('Site survey') td[name='unit_amount']:contains('03:00')",
        },
        {
            trigger: ".o_data_row:contains('Site survey') td[name='service_approved'] input:not(:checked)",
        },
        {
            content: "Among the timesheets to approve",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            trigger: ".o_filter_menu .o-dropdown-item:contains('To Approve')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('To Approve')",
        },
        {
            trigger: ".o_data_row:contains('Site survey'):contains('Tour Design')",
        },
    ],
});
