using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.DispatchWorkflow: starts the published version of another definition as a child instance. Without
/// <c>waitForCompletion</c> it goes on at once ("fire and forget"); with it, once the child has ended, its output as the result.
/// </summary>
public sealed class DispatchWorkflowActivity : IActivity
{
    public static readonly Input<string> WorkflowDefinitionId = new("workflowDefinitionId", IsRequired: true, DisplayName: "工作流程定義代碼");

    public static readonly Input<string> CorrelationId = new("correlationId", DisplayName: "關聯代碼");

    public static readonly Input<JsonObject> Input = new("input", DisplayName: "輸入");

    public static readonly Input<bool> WaitForCompletion = new("waitForCompletion", DisplayName: "等待完成", Description: "true 時等子流程結束才繼續");

    public const string Result = "result";

    public string TypeName => "Elsa.DispatchWorkflow";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [WorkflowDefinitionId, CorrelationId, Input, WaitForCompletion];

    public bool CanWait => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var wait = context.Get(WaitForCompletion);
        ChildWorkflows.Start(context, context.Require(WorkflowDefinitionId), context.Get(Input), context.Get(CorrelationId), wait ? ParentWaits.Completion : ParentWaits.None);
        return ValueTask.FromResult(wait ? ActivityOutcome.Suspended : ActivityOutcome.Done);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        var result = ChildWorkflows.Result(context, bookmark, input, WorkflowDefinitionId);
        context.SetOutput(Result, result["output"]);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
