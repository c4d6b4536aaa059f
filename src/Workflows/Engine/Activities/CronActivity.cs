using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Scheduling;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.Cron: inside a flow, waits for the next occurrence of a cron expression read in Taipei time. With
/// <c>customProperties.canStartWorkflow</c> (as Elsa marks triggers) it is a trigger: each occurrence starts an
/// instance (<see cref="Scheduling.CronTriggers"/>), in which it completes at once, as Elsa's does.
/// </summary>
public sealed class CronActivity : TimerActivityBase, IActivity
{
    public static readonly Input<string> CronExpression = new("cronExpression", IsRequired: true, DisplayName: "排程", Description: "分 時 日 月 星期（台北時間），例如 0 9 * * 1-5");

    private static readonly IReadOnlyList<InputDescriptor> Declared = [CronExpression];

    public override string TypeName => "Elsa.Cron";

    public override IReadOnlyList<InputDescriptor> Inputs => Declared;

    /// <summary>Whether the node is an Elsa.Cron that Elsa would index as a trigger: <c>customProperties.canStartWorkflow</c> is true.</summary>
    public static bool IsTrigger(ActivityNode node) =>
        node.Type == "Elsa.Cron"
        && node.Json["customProperties"] is JsonObject properties
        && string.Equals(JsonValues.AsString(properties["canStartWorkflow"]), "true", StringComparison.OrdinalIgnoreCase);

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Input(CronExpression.Name) is { Type: "Literal" } spec && JsonValues.AsString(spec.Value) is { } text && !CronSchedule.TryParse(text, out _, out var reason))
        {
            context.Error(DefinitionErrorKinds.CronInvalid, spec.JsonPath, text, reason);
        }
        else if (IsTrigger(node) && node.Input(CronExpression.Name) is { Type: not "Literal" } computed)
        {
            context.Error(DefinitionErrorKinds.CronTriggerNotLiteral, computed.JsonPath);
        }
    }

    public override ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var state = context.Instance.State;
        if (state.Trigger is { } trigger && JsonValues.AsString(trigger["activityId"]) == context.Node.Id)
        {
            state.Trigger = null;
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        return base.ExecuteAsync(context);
    }

    protected override DateTimeOffset DueAt(ActivityExecutionContext context)
    {
        var text = context.Require(CronExpression);
        if (!CronSchedule.TryParse(text, out var schedule, out var reason))
        {
            throw new ActivityFaultException(DefinitionErrorKinds.CronInvalid, context.Where(CronExpression), text, reason);
        }

        return schedule.Next(context.Now, CronSchedule.Taipei)
            ?? throw new ActivityFaultException(DefinitionErrorKinds.CronInvalid, context.Where(CronExpression), text, "五年內沒有任何符合的時間");
    }
}
