import { registry } from "@web/core/registry";

// An administrator opens Service Invoicing > Configuration > Settings on a server whose PDF
// renderer (Debian's wkhtmltopdf) cannot print separate headers and footers, and reads the
// warning of the Service Invoicing settings, in the browser.
registry.category("web_tour.tours").add("service_invoicing_settings_tour", {
    steps: () => [
        {
            content: "Configuration > Settings",
            trigger: ".o_menu_sections button[data-menu-xmlid='service_invoicing.menu_service_configuration']",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a[data-menu-xmlid='service_invoicing.menu_service_settings']",
            run: "click",
        },
        {
            content: "The Service Invoicing settings: new periods and shipments start ready",
            trigger: ".o_settings_container #service_backlog_contract_ready input:checked",
        },
        {
            trigger: "#service_backlog_shipment_ready input:checked",
        },
        {
            content: "PDF Documents: the renderer's warning",
            trigger: "#service_pdf_headers_in_body .alert-warning:contains('cannot print separate headers and footers: the company header is printed at the top of each document')",
        },
        {
            trigger: "#service_pdf_headers_in_body .alert-warning:contains('to have them on every page, as Odoo prints them')",
        },
        {
            trigger: "#service_pdf_headers_in_body:not(:has(.text-muted:contains('prints the company header and footer on every page')))",
        },
    ],
});
