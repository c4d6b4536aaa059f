using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.SetOutput: sets one of the workflow's outputs (the instance's output object).</summary>
public sealed class SetOutputActivity : IActivity
{
    public static readonly Input<string> OutputName = new("outputName", IsRequired: true, DisplayName: "輸出名稱");

    public static readonly Input<JsonNode> OutputValue = new("outputValue", DisplayName: "輸出值");

    public string TypeName => "Elsa.SetOutput";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [OutputName, OutputValue];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.Instance.State.Output[context.Require(OutputName)] = context.Get(OutputValue)?.DeepClone();
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
