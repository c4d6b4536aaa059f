using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>Tells an agency of a status change by email: the case number and the status, nothing else.</summary>
public sealed class NotifyAgencyActivity(Func<AgencyDirectory> directory, ChainOptions options) : IActivity
{
    public static readonly Input<string> Message = new("message", IsRequired: true, DisplayName: "狀態說明");

    public string TypeName => "AntiDrugFlow.NotifyAgency";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [ChainInputs.Agency, ChainInputs.Route, Message, ChainInputs.CaseNumber];

    public void Validate(ActivityNode node, DefinitionValidationContext context) => ChainActivities.ValidateRoute(node, context);

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agency = ChainActivities.ResolveAgency(context, directory());
        var caseNumber = ChainActivities.CaseNumberOf(context);
        var message = context.Require(Message);
        if (agency.ContactEmails.Count > 0)
        {
            var caseId = JsonValues.AsString(context.GetVariable("caseId")) ?? context.Instance.CorrelationId;
            context.Enqueue(OutboxKinds.Email, ChainActivities.Render(context, () => OutgoingMessages.StatusUpdate(caseNumber, message, context.Now, options.Link($"/cases/{caseId}"))).ToEmail(agency.ContactEmails));
        }

        context.Journal("Notified", $"{agency.Name}：{message}");
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
