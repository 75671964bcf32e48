# The two commands of the project. Both do all the set-up they need (tools/setup.sh).
.PHONY: demo test bench screenshots

# Main job: a demo company invoices its contracts, emails the invoices, then Odoo serves it
# on http://localhost:8069. `make demo SERVE=0` skips serving.
demo:
	SERVE=$(or $(SERVE),1) bash tools/demo.sh

# Linters and every test on a fresh database (what CI runs).
test:
	bash tools/test.sh $(ARGS)

# The README's screenshots (docs/screenshots/), taken by the browser tours on a fresh database.
screenshots:
	SI_TEST_ONLY=stock SI_SCREENSHOTS=$(CURDIR)/docs/screenshots bash tools/test.sh \
		-k 'TestServiceInvoicingTours or TestPortalContractTour or TestCustomerTimeApprovalTour'

# Benchmark against OCA contract and Odoo's own invoicing (figures in build/bench/).
# `make bench ARGS="--quick"` finishes in a few minutes; see bench/README.md.
bench:
	bash bench/bench.sh $(ARGS)
