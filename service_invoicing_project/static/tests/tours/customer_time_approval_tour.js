import { registry } from "@web/core/registry";
import { screenshot } from "@service_invoicing/../tests/tours/screenshot";

// The customer opens the emailed link (no password), reads the week's time and approves it.
registry.category("web_tour.tours").add("service_invoicing_customer_time_approval_tour", {
    steps: () => [
        {
            content: "The week of the project, to approve",
            trigger: "h3:contains('Cooling retrofit, week of 03/02/2026')",
        },
        {
            trigger: ".o_time_approval_state:contains('To Approve')",
        },
        {
            content: "Each day's time: employee, description, product, hours",
            trigger: ".o_time_approval_line:contains('Nina Engineer'):contains('Site survey'):contains('Consulting'):contains('08:00')",
        },
        {
            trigger: ".o_time_approval_line:contains('Report writing'):contains('04:00') input[name='timesheet_ids']:checked",
        },
        {
            content: "12 hours in the week",
            trigger: ".o_time_approval_total:contains('12:00')",
        },
        ...screenshot("portal_time_approval", ".o_time_approval_total:contains('12:00')"),
        {
            content: "Approve the week",
            trigger: "button.o_time_approval_approve",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Approved: it will be invoiced",
            trigger: ".o_time_approval_answered:contains('the time you approved will be invoiced')",
        },
        {
            trigger: ".o_time_approval_state:contains('Approved')",
        },
        {
            trigger: ".o_time_approval_line:contains('Site survey'):contains('Approved by the Customer')",
        },
        {
            content: "Nothing left to answer",
            trigger: ".o_time_approval_page:not(:has(button.o_time_approval_approve))",
        },
    ],
});
