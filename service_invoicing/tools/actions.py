"""Window actions that open records, as Odoo's own smart buttons do."""


def records_action(records, xmlid, context=None):
    """The window action ``xmlid`` showing ``records``: straight on their form when there
    is one record."""
    action = records.env['ir.actions.act_window']._for_xml_id(xmlid)
    action['domain'] = [('id', 'in', records.ids)]
    if context is not None:
        action['context'] = context
    if len(records) == 1:
        action.update(views=[(False, 'form')], res_id=records.id)
    return action
