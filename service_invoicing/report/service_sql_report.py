"""The one frame of the reporting models: a read-only model on a SQL query."""

from odoo import api, models, tools
from odoo.tools import SQL


class ServiceSqlReport(models.AbstractModel):
    """A report read from ``_query()``: a database view made at install and upgrade; a
    report whose query depends on who reads it (their today) gives Odoo's ``_table_query``
    instead, and no view is made."""

    _name = 'service.sql.report'
    _description = "Service Invoicing SQL Report"
    _auto = False

    @api.model
    def _query(self):
        """The report's rows, one column per field (``id`` first)."""
        raise NotImplementedError

    def init(self):
        if self._abstract or self._table_query is not None:
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            "CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))
