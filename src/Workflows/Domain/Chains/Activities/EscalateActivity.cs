using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>Finds the next level up from an agency (派出所 → 分局 → 少年警察隊 → 警政署; 校外會 → 教育部); <c>Top</c> when there is none.</summary>
public sealed class EscalateActivity(Func<AgencyDirectory> directory) : IActivity
{
    public string TypeName => "AntiDrugFlow.Escalate";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [ChainInputs.Agency];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["Escalated", "Top"];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var from = context.Require(ChainInputs.Agency);
        var current = directory().TryGet(from, out var agency) ? agency : throw new ActivityFaultException(ChainFaultKinds.AgencyUnknown, context.Where(ChainInputs.Agency), from);
        var next = directory().EscalationTarget(current.Id);
        if (next is null)
        {
            context.Journal("EscalationTop", $"{current.Name} 已是最高層級");
            return ValueTask.FromResult(ActivityOutcome.Through("Top"));
        }

        context.SetOutput("next", JsonValue.Create(next.Id));
        context.Journal("Escalated", $"{current.Name} → {next.Name}");
        return ValueTask.FromResult(ActivityOutcome.Through("Escalated"));
    }
}
