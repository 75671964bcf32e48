import { registry } from "@web/core/registry";
import { formView } from "@web/views/form/form_view";
import { FormController } from "@web/views/form/form_controller";

/**
 * The test report in its dialog: closing the dialog by its X (or Escape) does what its Close
 * button does (``action_back``): back to the wizard the report was made from, as it was left,
 * rather than throwing the wizard and what was typed in it away.
 */
export class ServiceTestReportFormController extends FormController {
    setup() {
        super.setup();
        if (this.env.dialogData) {
            this.env.dialogData.dismiss = () => this.backToWizard();
        }
    }

    async backToWizard() {
        const record = this.model.root;
        await this.actionService.doActionButton({
            type: "object",
            name: "action_back",
            resModel: record.resModel,
            resId: record.resId,
            resIds: [record.resId],
            context: record.context,
        });
    }
}

registry.category("views").add("service_test_report_form", {
    ...formView,
    Controller: ServiceTestReportFormController,
});
