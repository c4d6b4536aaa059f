using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Components.Display;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Models;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

public sealed class FlowchartLayoutTests
{
    [Fact]
    public void Without_designer_positions_activities_are_layered_by_their_longest_path_from_the_start()
    {
        // start → a → c and start → c: c goes below a, not beside it, because its longest path is two steps.
        var definition = Read(new Flow("layered").WriteLine("start", "s").WriteLine("a", "a").WriteLine("c", "c").Connect("start", "a").Connect("a", "c").Connect("start", "c").Build(), positions: false);

        var layout = FlowchartLayout.Compute(definition);

        Assert.False(layout.UsesDesignerPositions);
        var y = layout.Boxes.ToDictionary(b => b.Id, b => b.Y);
        Assert.True(y["start"] < y["a"] && y["a"] < y["c"]);
        Assert.All(layout.Arrows, a => Assert.False(a.IsBackward));
    }

    [Fact]
    public void Branches_of_a_decision_sit_side_by_side_and_arrows_carry_their_port()
    {
        var definition = Read(new Flow("branches")
            .WriteLine("start", "s")
            .Activity("decide", "Elsa.FlowDecision", ("condition", Flow.Literal(true, "Boolean")))
            .WriteLine("yes", "y").WriteLine("no", "n")
            .Connect("start", "decide").Connect("decide", "yes", "True").Connect("decide", "no", "False").Build(), positions: false);

        var layout = FlowchartLayout.Compute(definition);

        var boxes = layout.Boxes.ToDictionary(b => b.Id);
        Assert.Equal(boxes["yes"].Y, boxes["no"].Y);
        Assert.NotEqual(boxes["yes"].X, boxes["no"].X);
        Assert.Equal(["Done", "True", "False"], layout.Arrows.Select(a => a.Port));
        Assert.True(layout.Width >= boxes.Values.Max(b => b.X + b.Width));
    }

    [Fact]
    public void A_loop_back_to_an_earlier_step_is_drawn_as_a_backward_arrow_and_does_not_break_the_layering()
    {
        var definition = Read(new Flow("loop")
            .WriteLine("start", "s").Activity("wait", "Elsa.Event", ("eventName", Flow.Literal("again"))).WriteLine("after", "a")
            .Connect("start", "wait").Connect("wait", "after").Connect("after", "wait").Build(), positions: false);

        var layout = FlowchartLayout.Compute(definition);

        var y = layout.Boxes.ToDictionary(b => b.Id, b => b.Y);
        Assert.True(y["start"] < y["wait"] && y["wait"] < y["after"]);
        Assert.Single(layout.Arrows, a => a.IsBackward);
        Assert.Equal(("after", "wait"), layout.Arrows.Where(a => a.IsBackward).Select(a => (a.Source, a.Target)).Single());
    }

    [Fact]
    public void Designer_positions_are_used_when_every_activity_has_one_and_none_overlap()
    {
        var json = new Flow("placed").WriteLine("one", "1").WriteLine("two", "2").Connect("one", "two").Build();
        SetPosition(json, 0, 500, 300);
        SetPosition(json, 1, 900, 300);

        var layout = FlowchartLayout.Compute(Read(json, positions: true));

        Assert.True(layout.UsesDesignerPositions);
        var boxes = layout.Boxes.ToDictionary(b => b.Id);
        Assert.Equal(400, boxes["two"].X - boxes["one"].X);
        Assert.Equal(boxes["one"].Y, boxes["two"].Y);
        Assert.True(boxes["one"].X < 100, "positions are moved into view");
    }

    [Fact]
    public void Overlapping_designer_positions_fall_back_to_the_automatic_layout()
    {
        var json = new Flow("crowded").WriteLine("one", "1").WriteLine("two", "2").Connect("one", "two").Build();
        SetPosition(json, 0, 10, 10);
        SetPosition(json, 1, 20, 10);

        Assert.False(FlowchartLayout.Compute(Read(json, positions: true)).UsesDesignerPositions);
    }

    private static WorkflowDefinition Read(JsonObject json, bool positions)
    {
        if (!positions)
        {
            foreach (var activity in json["root"]!["activities"]!.AsArray())
            {
                activity!.AsObject().Remove("metadata");
            }
        }

        var (definition, errors) = DefinitionReader.Read(json);
        Assert.Empty(errors);
        return definition!;
    }

    private static void SetPosition(JsonObject json, int activity, int x, int y) =>
        json["root"]!["activities"]![activity]!["metadata"] = new JsonObject { ["designer"] = new JsonObject { ["position"] = new JsonObject { ["x"] = x, ["y"] = y } } };
}
