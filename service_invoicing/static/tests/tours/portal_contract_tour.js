import { registry } from "@web/core/registry";
import { screenshot } from "@service_invoicing/../tests/tours/screenshot";

// A customer's contact opens My Account > Contracts > their contract, reads the invoices of
// the next twelve months (a monthly contract: twelve rows), then writes to the seller in the
// contract's chatter.
registry.category("web_tour.tours").add("service_invoicing_portal_contract_tour", {
    steps: () => [
        {
            content: "My Account: the Contracts tile",
            trigger: ".o_portal_index_card a[href='/my/service_contracts']",
            run: "click",
            expectUnloadPage: true,
        },
        ...screenshot("portal_contracts", "tr.o_portal_service_contract:contains('Tour cooling upkeep')"),
        {
            content: "Open the contract",
            trigger: "tr.o_portal_service_contract:contains('Tour cooling upkeep') a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Its lines",
            trigger: ".o_service_contract_lines td:contains('Tour Maintenance')",
        },
        {
            content: "Twelve upcoming invoices, the twelfth of 100.00",
            trigger: ".o_service_contract_forecast tbody tr:nth-child(12) td:last-child:contains('100.00')",
        },
        {
            trigger: ".o_service_contract_forecast tbody:not(:has(tr:nth-child(13)))",
        },
        ...screenshot("portal_contract", ".o_service_contract_forecast tbody tr:nth-child(12)"),
        {
            content: "Write to the seller",
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit Please call before the visit.",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Message:contains('Please call before the visit.')",
        },
    ],
});
