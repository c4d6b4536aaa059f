using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Components.Display;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>What the versions page lays over the diagram: which activities and connections were added, removed or changed.</summary>
public sealed class DefinitionDiagramDiffTests
{
    [Fact]
    public void Added_removed_and_changed_activities_and_connections_are_marked_and_removed_ones_are_put_back_without_a_place()
    {
        var older = Flowchart(
            [Activity("start", 40), Activity("notify", 300, "通知學校"), Activity("old", 560, "舊的")],
            [("start", "notify"), ("notify", "old")]);
        var newer = Flowchart(
            [Activity("start", 80), Activity("notify", 300, "通知學校與警察局"), Activity("check", 560, "確認")],
            [("start", "notify"), ("notify", "check")]);

        var diff = DefinitionDiagramDiff.Compare(older, newer)!;

        Assert.Equal((1, 1, 1, 1, 1), (diff.Added, diff.Removed, diff.Changed, diff.ConnectionsAdded, diff.ConnectionsRemoved));
        var nodes = diff.Overlay["nodes"]!.AsObject();
        Assert.Equal("added", nodes["check"]!["state"]!.GetValue<string>());
        Assert.Equal("removed", nodes["old"]!["state"]!.GetValue<string>());
        Assert.Equal("changed", nodes["notify"]!["state"]!.GetValue<string>());
        Assert.Equal("已變更：text", nodes["notify"]!["note"]!.GetValue<string>());
        Assert.False(nodes.ContainsKey("start"), "moving an activity is not a change");

        var activities = diff.Definition["root"]!["activities"]!.AsArray();
        var old = activities.Single(a => a!["id"]!.GetValue<string>() == "old")!;
        Assert.Null(old["metadata"]!["designer"]);
        var connections = diff.Definition["root"]!["connections"]!.AsArray().Select(c => c!["source"]!["activity"]!.GetValue<string>() + ">" + c["target"]!["activity"]!.GetValue<string>());
        Assert.Equal(["start>notify", "notify>check", "notify>old"], connections);
        var edges = diff.Overlay["edges"]!.AsArray().Select(e => e!["target"]!.GetValue<string>() + ":" + e["state"]!.GetValue<string>());
        Assert.Equal(["check:added", "old:removed"], edges);
    }

    [Fact]
    public void Two_versions_that_differ_only_in_places_have_no_changes()
    {
        var diff = DefinitionDiagramDiff.Compare(Flowchart([Activity("a", 0)], []), Flowchart([Activity("a", 500)], []))!;
        Assert.False(diff.HasChanges);
    }

    private static JsonObject Flowchart(JsonObject[] activities, (string From, string To)[] connections) => new()
    {
        ["definitionId"] = "d",
        ["root"] = new JsonObject
        {
            ["type"] = "Elsa.Flowchart",
            ["activities"] = new JsonArray(activities),
            ["connections"] = new JsonArray(connections.Select(c => (JsonNode)new JsonObject
            {
                ["source"] = new JsonObject { ["activity"] = c.From, ["port"] = "Done" },
                ["target"] = new JsonObject { ["activity"] = c.To, ["port"] = "In" },
            }).ToArray()),
        },
    };

    private static JsonObject Activity(string id, double x, string? text = null)
    {
        var activity = new JsonObject
        {
            ["id"] = id, ["type"] = "Elsa.WriteLine", ["version"] = 1,
            ["metadata"] = new JsonObject { ["designer"] = new JsonObject { ["position"] = new JsonObject { ["x"] = x, ["y"] = 40 } } },
        };
        if (text is not null)
        {
            activity["text"] = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = text } };
        }

        return activity;
    }
}
