"""Which handler runs which command: the bus's one dispatch table.

Each handler's module is imported when a command of its first runs (:func:`ledger.lazy.function`):
``ledger work log`` from the command line loads the work handler and what it needs, not the admin
accounts', the statements' or the tick's (a fifth of that command's start-up, benchmarks/README.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger import lazy
from ledger.commands import models as m

if TYPE_CHECKING:
    from ledger.commands.bus import Handler


def _handler(module: str, function: str) -> Handler:
    """``(unit, command, context) → result`` of ``ledger.commands.module``, imported on first use."""
    handler: Handler = lazy.function(f"ledger.commands.{module}", function)
    return handler


HANDLERS: dict[type[m.Command], Handler] = {
    m.AddCustomer: _handler("customers", "add_customer"),
    m.ChangeCustomer: _handler("customers", "change_customer"),
    m.SetAlertThreshold: _handler("alerts", "set_alert_threshold"),
    m.AcknowledgeAlert: _handler("alerts", "acknowledge_alert"),
    m.BuyCard: _handler("cards", "buy_card"),
    m.TopUpCard: _handler("cards", "top_up"),
    m.SetMonthlyPlan: _handler("monthly", "set_monthly_plan"),
    m.ChangeMonthlyPlan: _handler("monthly", "change_monthly_plan"),
    m.StopMonthlyPlan: _handler("monthly", "stop_monthly_plan"),
    m.LogWork: _handler("work", "log_work"),
    m.ReverseWork: _handler("work", "reverse_work"),
    m.StartContract: _handler("contracts", "start_contract"),
    m.ChangeContract: _handler("contracts", "change_contract"),
    m.EndContract: _handler("contracts", "end_contract"),
    m.AddPack: _handler("packs", "add_pack"),
    m.RemovePack: _handler("packs", "remove_pack"),
    m.SetRate: _handler("rates", "set_rate"),
    m.SetRounding: _handler("rates", "set_rounding"),
    m.KickOff: _handler("onsite", "kick_off"),
    m.AssignConsultant: _handler("onsite", "assign_consultant"),
    m.ReleaseConsultant: _handler("onsite", "release_consultant"),
    m.LogVisit: _handler("onsite", "log_visit"),
    m.Evaluate: _handler("onsite", "evaluate"),
    m.EndEngagement: _handler("onsite", "end_engagement"),
    m.RequestAdminAccess: _handler("admin", "request_access"),
    m.GrantAdminAccess: _handler("admin", "grant_access"),
    m.ChangeAdminScope: _handler("admin", "change_scope"),
    m.SuspendAdminAccount: _handler("admin", "suspend"),
    m.ResumeAdminAccount: _handler("admin", "resume"),
    m.RevokeAdminAccount: _handler("admin", "revoke"),
    m.WithdrawAdminRequest: _handler("admin", "withdraw"),
    m.IssueStatement: _handler("statement_book", "issue_statement"),
    m.IssueDueStatements: _handler("statement_book", "issue_due_statements"),
    m.CloseStatements: _handler("statement_book", "close_month"),
    m.Tick: _handler("tick", "tick"),
    m.RecordDueFacts: _handler("tick", "record_due_facts"),
    m.ExportInvoiceable: _handler("invoice_export", "export_invoiceable"),
    m.SetSetting: _handler("settings", "set_setting"),
    m.AddPerson: _handler("people", "add_person"),
    m.ChangePerson: _handler("people", "change_person"),
    m.DeactivatePerson: _handler("people", "deactivate_person"),
    m.AddWebhook: _handler("webhooks", "add_webhook"),
    m.RemoveWebhook: _handler("webhooks", "remove_webhook"),
}
"""Every write command; the audit seal is added by the facade (its handler is the auditor's)."""
