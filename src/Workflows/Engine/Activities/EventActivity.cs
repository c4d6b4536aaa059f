using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Waits for an event by name; an event with a correlation id resumes only instances with that id.</summary>
public sealed class EventActivity : IActivity
{
    public static readonly Input<string> EventName = new("eventName", IsRequired: true, DisplayName: "事件名稱");

    public string TypeName => "Elsa.Event";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [EventName];

    public bool CanWait => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.CreateBookmark(BookmarkKind.Event, context.Require(EventName), context.Instance.CorrelationId);
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        context.SetOutput("result", input);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
