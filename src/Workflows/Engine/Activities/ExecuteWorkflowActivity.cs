using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.ExecuteWorkflow: runs the published version of another definition as a child instance and completes with its
/// result. Without <c>waitForCompletion</c> it goes on once the child's first run is over, with Elsa's
/// ExecuteWorkflowResult (instance id, status, sub-status, output); with it, once the child has ended, and — as in
/// Elsa — a child that had to wait gives its output itself, while one that ended in its first run gives the result.
/// </summary>
public sealed class ExecuteWorkflowActivity : IActivity
{
    public static readonly Input<string> WorkflowDefinitionId = new("workflowDefinitionId", IsRequired: true, DisplayName: "工作流程定義代碼");

    public static readonly Input<string> CorrelationId = new("correlationId", DisplayName: "關聯代碼");

    public static readonly Input<JsonObject> Input = new("input", DisplayName: "輸入");

    public static readonly Input<bool> WaitForCompletion = new("waitForCompletion", DisplayName: "等待完成", Description: "true 時等子流程結束才繼續");

    public const string Result = "result";

    public string TypeName => "Elsa.ExecuteWorkflow";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [WorkflowDefinitionId, CorrelationId, Input, WaitForCompletion];

    public bool CanWait => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var waits = context.Get(WaitForCompletion) ? ParentWaits.Completion : ParentWaits.Idle;
        ChildWorkflows.Start(context, context.Require(WorkflowDefinitionId), context.Get(Input), context.Get(CorrelationId), waits);
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        var result = ChildWorkflows.Result(context, bookmark, input, WorkflowDefinitionId);
        var waited = Expressions.JsonValues.AsString(bookmark.Payload?["waits"]) == nameof(ParentWaits.Completion);
        var firstRun = result["firstRun"] is JsonValue value && value.TryGetValue<bool>(out var first) && first;
        context.SetOutput(Result, waited && !firstRun ? result["output"] : Shape(result));
        return ValueTask.FromResult(ActivityOutcome.Done);
    }

    private static JsonObject Shape(JsonObject result) => new()
    {
        ["workflowDefinitionVersionId"] = result["workflowDefinitionVersionId"]?.DeepClone(),
        ["workflowInstanceId"] = result["workflowInstanceId"]?.DeepClone(),
        ["correlationId"] = result["correlationId"]?.DeepClone(),
        ["status"] = result["status"]?.DeepClone(),
        ["subStatus"] = result["subStatus"]?.DeepClone(),
        ["output"] = result["output"]?.DeepClone(),
    };
}
