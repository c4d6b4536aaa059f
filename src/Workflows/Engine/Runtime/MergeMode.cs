using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;

namespace AntiDrugFlow.Workflows.Runtime;

/// <summary>
/// How an activity with several inbound connections runs, as Elsa 3's <c>customProperties.mergeMode</c>
/// says. Whatever the mode, a merge continues once per activation: an activity already queued is not queued again.
/// </summary>
public enum MergeMode
{
    /// <summary>The default: runs when no activity it is connected from still has a token waiting (dead branches do not block).</summary>
    Stream,

    /// <summary>Waits for every activity connected forward into it; the ports of one activity are alternatives (FlowJoin WaitAll).</summary>
    Merge,

    /// <summary>Waits for a token on every inbound connection, backward ones included; blocks on branches not taken.</summary>
    Converge,

    /// <summary>Runs once for every token that arrives.</summary>
    Cascade,

    /// <summary>Runs with the first token and cancels the other branches running into it (FlowJoin WaitAny).</summary>
    Race,
}

public static class MergeModes
{
    public const string CustomProperty = "mergeMode";

    /// <summary>The mode of an activity: a FlowJoin's from its mode input, any other's from its custom properties.</summary>
    public static MergeMode Of(ActivityNode node, Func<ExpressionSpec, string?> evaluate)
    {
        if (node.Type == "Elsa.FlowJoin")
        {
            var mode = node.Input(FlowJoinActivity.Mode.Name) is { } spec ? evaluate(spec) : null;
            return string.Equals(mode, "WaitAny", StringComparison.OrdinalIgnoreCase) ? MergeMode.Race : MergeMode.Merge;
        }

        // Any other activity's mode is fixed by its JSON: read once per activity (it is asked for at every token move).
        if (node.DeclaredMergeMode is var known and >= 0)
        {
            return (MergeMode)known;
        }

        var declared = Parse(node.Json["customProperties"]?[CustomProperty] is { } value ? JsonValues.AsString(value) : null) ?? MergeMode.Stream;
        node.DeclaredMergeMode = (int)declared;
        return declared;
    }

    public static MergeMode? Parse(string? text) =>
        Enum.TryParse<MergeMode>(text, ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode : null;
}
