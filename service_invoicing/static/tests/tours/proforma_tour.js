import { registry } from "@web/core/registry";
import { screenshot } from "@service_invoicing/../tests/tours/screenshot";

// A billing clerk makes a proforma of a ready backlog item, lowers a quantity on it,
// recalculates it (the quantity typed stays, the customer's other ready item is added) and
// confirms it, in the browser. Proforma Client's backlog: 6 hours of Tour Repair at 80.00 and
// one Tour Callout at 120.00, both shipped and ready.
registry.category("web_tour.tours").add("service_invoicing_proforma_tour", {
    steps: () => [
        {
            content: "Invoicing > Billing Backlog",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_invoicing']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_billing_item']",
            run: "click",
        },
        {
            content: "6 hours of repair ready: 480.00 to invoice",
            trigger: ".o_data_row:contains('Proforma Client'):contains('Tour Repair') td[name='qty_to_invoice']:contains('6.00')",
        },
        {
            trigger: ".o_data_row:contains('Tour Repair') td[name='amount_to_invoice']:contains('480.00')",
        },
        {
            trigger: ".o_data_row:contains('Tour Repair') td[name='billing_status']:contains('Ready')",
        },
        {
            content: "and a callout ready: 120.00",
            trigger: ".o_data_row:contains('Proforma Client'):contains('Tour Callout') td[name='amount_to_invoice']:contains('120.00')",
        },
        ...screenshot("backlog", ".o_data_row:contains('Tour Callout') td[name='billing_status']:contains('Ready')"),
        {
            content: "Select the repair only",
            trigger: ".o_data_row:contains('Tour Repair') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Actions > Create Proforma Invoices",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Create Proforma Invoices')",
            run: "click",
        },
        {
            content: "The item chosen",
            trigger: ".modal .o_field_widget[name='item_ids'] .o_tag",
        },
        {
            trigger: ".modal button[name='action_create']",
            run: "click",
        },
        {
            content: "The proforma: its ribbon, the 6 hours, 480.00",
            trigger: ".o_form_view:not(:has(.modal)) .ribbon:contains('Proforma')",
        },
        {
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Repair') td[name='quantity']:contains('6.00')",
        },
        {
            trigger: ".o_field_widget[name='tax_totals']:contains('480.00')",
        },
        {
            content: "One Confirm button (Odoo's own is hidden on a proforma)",
            trigger: ".o_statusbar_buttons button[name='action_service_confirm']",
            run() {
                const confirms = [...document.querySelectorAll(".o_form_view button")].filter(
                    (button) => button.textContent.trim() === "Confirm"
                );
                if (confirms.length !== 1) {
                    throw new Error(`${confirms.length} Confirm buttons on the proforma`);
                }
            },
        },
        {
            content: "Bill 4 of the 6 hours",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Repair') td[name='quantity']",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_selected_row .o_field_widget[name='quantity'] input",
            run: "edit 4",
        },
        {
            content: "Recalculate",
            trigger: ".o_statusbar_buttons button[name='action_service_recalculate']",
            run: "click",
        },
        {
            content: "It says what it added and what it kept, one after the other, and removed nothing",
            trigger: ".o_notification:contains('recalculated: added Tour Callout: 1.00 Units; kept the quantity typed on Tour Repair: 4.00 (the sources give 6.00).'):not(:contains('removed'))",
        },
        {
            content: "The 4 hours stay; the callout joins them: 440.00",
            trigger: ".o_form_view .o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Repair') td[name='quantity']:contains('4.00')",
        },
        {
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:contains('Tour Callout') td[name='quantity']:contains('1.00')",
        },
        {
            trigger: ".o_field_widget[name='tax_totals']:contains('440.00')",
        },
        ...screenshot("proforma", ".o_form_view .ribbon:contains('Proforma')"),
        {
            content: "Confirm",
            trigger: ".o_statusbar_buttons button[name='action_service_confirm']",
            run: "click",
        },
        {
            content: "Posted, no longer a proforma",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
        {
            trigger: ".o_form_view:not(:has(.ribbon:contains('Proforma')))",
        },
        {
            content: "Its backlog items",
            trigger: ".oe_stat_button:contains('Backlog Items')",
            run: "click",
        },
        {
            content: "The callout reads Invoice Posted, 120.00 invoiced",
            trigger: ".o_data_row:contains('Tour Callout') td[name='billing_status']:contains('Invoice Posted')",
        },
        {
            trigger: ".o_data_row:contains('Tour Callout') td[name='amount_invoiced']:contains('120.00')",
        },
        {
            content: "The 2 hours left off stay ready: 160.00 to invoice, 320.00 invoiced",
            trigger: ".o_data_row:contains('Tour Repair') td[name='billing_status']:contains('Ready')",
        },
        {
            trigger: ".o_data_row:contains('Tour Repair') td[name='amount_to_invoice']:contains('160.00')",
        },
        {
            trigger: ".o_data_row:contains('Tour Repair') td[name='amount_invoiced']:contains('320.00')",
        },
    ],
});
