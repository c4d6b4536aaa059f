using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.RunJavaScript: runs its script in the same sandbox as JavaScript expressions; the script's value goes to the <c>result</c> output.</summary>
public sealed class RunJavaScriptActivity : IActivity
{
    public static readonly Input<string> Script = new("script", IsRequired: true, DisplayName: "JavaScript 程式");

    public string TypeName => "Elsa.RunJavaScript";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Script];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        // The script is text (usually a Literal) that is itself run as JavaScript.
        var script = context.Require(Script);
        var result = context.Evaluate(new ExpressionSpec("JavaScript", JsonValue.Create(script), null, context.Where(Script)));
        context.SetOutput("result", result);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
