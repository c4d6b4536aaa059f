using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>A human task: the instance waits until someone completes it (POST /api/tasks/{id}/complete).</summary>
public sealed class RunTaskActivity : IActivity
{
    public static readonly Input<string> TaskName = new("taskName", IsRequired: true, DisplayName: "工作名稱");

    public static readonly Input<JsonNode> Payload = new("payload", DisplayName: "內容");

    public string TypeName => "Elsa.RunTask";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [TaskName, Payload];

    public bool CanWait => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.CreateTask(context.Require(TaskName), context.Get(Payload));
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        context.SetOutput("result", input);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
