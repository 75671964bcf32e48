import { registry } from "@web/core/registry";

// A project's manager approves the time of their project from the Timesheets menus.
registry.category("web_tour.tours").add("service_invoicing_project_approval_tour", {
    steps: () => [
        {
            content: "Timesheets > Approve Timesheets",
            trigger: ".o_menu_sections button:contains('Approve Timesheets')",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:contains('Timesheets to Approve')",
            run: "click",
        },
        {
            content: "The time of her project, grouped per week and employee",
            trigger: ".o_list_view .o_group_header:contains('W10')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_group_header:contains('Eric Employee')",
            run: "click",
        },
        {
            content: "Select the timesheet",
            trigger: ".o_data_row:contains('Tour work') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Approve, above the list",
            trigger: "button[name='action_service_approve']",
            run: "click",
        },
        {
            content: "Approved: it no longer waits",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour work')))",
        },
    ],
});
