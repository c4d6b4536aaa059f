using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>
/// When the instance of a case is cancelled, the case says so (its status reads 已取消) and the agency that started
/// it is told by email, in the cancellation's own transaction. The reason stays on the case page (its timeline):
/// it is free text, so it is not mailed.
/// </summary>
public sealed class CaseCancellation(PostgresCaseStore cases, AgencyDirectoryProvider directory, TimeProvider time) : IWorkflowCancellationObserver
{
    public const string CancelledStatus = "已取消";

    public async Task<IReadOnlyList<OutboxMessage>> OnCancellingAsync(WorkflowInstance instance, string reason, CancellationToken cancellationToken)
    {
        if (instance.CorrelationId is not { } caseId || await cases.FindAsync(caseId, cancellationToken) is not { } record || record.InstanceId != instance.Id)
        {
            return [];
        }

        instance.State.Variables["caseStatus"] = CancelledStatus;
        if (!directory.Current.TryGet(record.OriginAgencyId, out var origin) || origin.ContactEmails.Count == 0)
        {
            return [];
        }

        var kind = CaseKinds.Find(record.Kind)?.DisplayName ?? record.Kind;
        var now = time.GetUtcNow();
        var payload = OutgoingMessage.EmailPayload(
            origin.ContactEmails,
            $"案件 {record.CaseNumber} 已取消",
            $"{origin.Name} 您好：\n\n貴單位發起的{kind}案件 {record.CaseNumber} 已由系統管理者取消，案件的待辦事項都已關閉，不會再有提醒或升級。\n取消原因記錄在案件頁面的處理經過中，請登入系統查看。\n",
            "case-cancelled");
        return [new OutboxMessage(Guid.CreateVersion7(now), instance.Id, OutboxKinds.Email, $"case-cancelled:{record.Id}", payload, now)];
    }
}
