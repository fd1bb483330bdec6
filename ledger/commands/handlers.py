"""Which handler runs which command: the bus's one dispatch table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.commands import (
    admin,
    alerts,
    cards,
    contracts,
    customers,
    invoice_export,
    monthly,
    onsite,
    packs,
    people,
    rates,
    settings,
    statement_book,
    tick,
    webhooks,
    work,
)
from ledger.commands import models as m

if TYPE_CHECKING:
    from ledger.commands.bus import Handler

HANDLERS: dict[type[m.Command], Handler] = {
    m.AddCustomer: customers.add_customer,
    m.ChangeCustomer: customers.change_customer,
    m.SetAlertThreshold: alerts.set_alert_threshold,
    m.AcknowledgeAlert: alerts.acknowledge_alert,
    m.BuyCard: cards.buy_card,
    m.TopUpCard: cards.top_up,
    m.SetMonthlyPlan: monthly.set_monthly_plan,
    m.ChangeMonthlyPlan: monthly.change_monthly_plan,
    m.StopMonthlyPlan: monthly.stop_monthly_plan,
    m.LogWork: work.log_work,
    m.ReverseWork: work.reverse_work,
    m.StartContract: contracts.start_contract,
    m.ChangeContract: contracts.change_contract,
    m.EndContract: contracts.end_contract,
    m.AddPack: packs.add_pack,
    m.RemovePack: packs.remove_pack,
    m.SetRate: rates.set_rate,
    m.SetRounding: rates.set_rounding,
    m.KickOff: onsite.kick_off,
    m.AssignConsultant: onsite.assign_consultant,
    m.ReleaseConsultant: onsite.release_consultant,
    m.LogVisit: onsite.log_visit,
    m.Evaluate: onsite.evaluate,
    m.EndEngagement: onsite.end_engagement,
    m.RequestAdminAccess: admin.request_access,
    m.GrantAdminAccess: admin.grant_access,
    m.ChangeAdminScope: admin.change_scope,
    m.SuspendAdminAccount: admin.suspend,
    m.ResumeAdminAccount: admin.resume,
    m.RevokeAdminAccount: admin.revoke,
    m.WithdrawAdminRequest: admin.withdraw,
    m.IssueStatement: statement_book.issue_statement,
    m.IssueDueStatements: statement_book.issue_due_statements,
    m.CloseStatements: statement_book.close_month,
    m.Tick: tick.tick,
    m.RecordDueFacts: tick.record_due_facts,
    m.ExportInvoiceable: invoice_export.export_invoiceable,
    m.SetSetting: settings.set_setting,
    m.AddPerson: people.add_person,
    m.ChangePerson: people.change_person,
    m.DeactivatePerson: people.deactivate_person,
    m.AddWebhook: webhooks.add_webhook,
    m.RemoveWebhook: webhooks.remove_webhook,
}
"""Every write command; the audit seal is added by the facade (its handler is the auditor's)."""
