using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Models;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis.Elsa;

/// <summary>Elsa 3's activity descriptors: what a designer's palette and property panels are built from.</summary>
public static class ElsaActivityDescriptorsApi
{
    public static IEndpointRouteBuilder MapElsaActivityDescriptorsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/descriptors/activities").WithTags("Elsa: activity descriptors");
        api.MapGet("/", List);
        api.MapGet("/{typeName}", Get);
        return app;
    }

    public static Ok<ElsaList<ElsaActivityDescriptor>> List(ActivityRegistry activities)
    {
        var items = activities.All.Select(Describe).OrderBy(d => d.Category, StringComparer.Ordinal).ThenBy(d => d.TypeName, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new ElsaList<ElsaActivityDescriptor>(items, items.Count));
    }

    public static Results<Ok<ElsaActivityDescriptor>, NotFound> Get(string typeName, ActivityRegistry activities) =>
        activities.Find(typeName) is { } activity ? TypedResults.Ok(Describe(activity)) : TypedResults.NotFound();

    public static ElsaActivityDescriptor Describe(IActivity activity)
    {
        var dot = activity.TypeName.LastIndexOf('.');
        var ns = dot < 0 ? string.Empty : activity.TypeName[..dot];
        var name = activity.TypeName[(dot + 1)..];
        var text = ActivityCatalogue.Activities.GetValueOrDefault(activity.TypeName);
        var inputs = activity.Inputs.Select((input, order) =>
        {
            var inputText = text?.Inputs.GetValueOrDefault(input.Name);
            var options = inputText?.Options is { } choices ? new JsonObject { ["dropdown"] = new JsonObject { ["items"] = new JsonArray([.. choices.Select(c => (JsonNode?)new JsonObject { ["text"] = c, ["value"] = c })]) } } : null;
            return new ElsaInputDescriptor(input.Name, inputText?.TypeName ?? "Object", inputText?.DisplayName ?? input.DisplayName ?? input.Name, inputText?.Description ?? input.Description, order, true, input.IsRequired,
                inputText?.UiHint ?? "singleline", string.Empty, "Literal", false, true, false, options);
        }).ToList();
        var outputs = (text?.Outputs ?? new Dictionary<string, string>()).Select(o => new ElsaOutputDescriptor(o.Key, "Object", o.Value, null, true, false)).ToList();
        var ports = OutputPorts(activity);
        var custom = new JsonObject
        {
            // Elsa's flowchart designer draws a flow node's outcomes from here.
            ["outcomes"] = new JsonArray([.. ports.Select(p => (JsonNode?)p)]),
            ["canWait"] = activity.CanWait,
        };
        return new ElsaActivityDescriptor(
            activity.TypeName, ns, name, 1, text?.Category ?? ActivityCatalogue.OtherCategory, text?.DisplayName ?? name, text?.Description ?? string.Empty,
            inputs, outputs, text?.Kind ?? (activity.CanWait ? "Trigger" : "Action"),
            [.. ports.Select(p => new ElsaPort(p, p, "Flow", true))], custom, false, true,
            activity.TypeName == "Elsa.Start", ports.Count == 0);
    }

    /// <summary>The ports of an activity as the palette shows it: dynamic ones (a switch's cases, a fork's branches) come from the node once placed.</summary>
    private static IReadOnlyList<string> OutputPorts(IActivity activity)
    {
        var blank = new ActivityNode { Id = "descriptor", Type = activity.TypeName, Index = 0, Json = new JsonObject { ["id"] = "descriptor", ["type"] = activity.TypeName } };
        return activity.OutputPorts(blank);
    }
}
