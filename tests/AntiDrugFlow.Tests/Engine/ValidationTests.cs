using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>Every validation error, with the JSON path and the message a person reads.</summary>
public sealed class ValidationTests
{
    private readonly DefinitionValidator _validator = new(ActivityRegistry.WithBuiltIns());

    [Fact]
    public void Malformed_JSON_is_reported_at_the_root_with_line_and_position()
    {
        var error = Assert.Single(_validator.Load("{\n  \"definitionId\": \"x\",\n  \"root\": {\n}").Errors);

        Assert.Equal("$", error.Path);
        Assert.StartsWith("malformed JSON at line 4", error.Message);
    }

    [Fact]
    public void A_definition_without_a_flowchart_root_is_refused()
    {
        var errors = _validator.Load("{\"definitionId\":\"x\",\"root\":{\"type\":\"Elsa.Sequence\",\"activities\":[]}}").Errors;

        var error = Assert.Single(errors);
        Assert.Equal("$.root.type", error.Path);
        Assert.Contains("Elsa.Flowchart", error.Message);
    }

    [Fact]
    public void Unknown_activity_type_is_reported_at_its_type()
    {
        var errors = Errors(new Flow("x").Activity("a", "Elsa.Start").Activity("b", "Elsa.Teleport").Chain("a", "b"));

        Assert.Contains(new DefinitionError("$.root.activities[1].type", "unknown activity type 'Elsa.Teleport'"), errors);
    }

    [Fact]
    public void Duplicate_activity_id_names_where_it_was_first_used()
    {
        var errors = Errors(new Flow("x").WriteLine("a", "1").WriteLine("a", "2"));

        Assert.Contains(new DefinitionError("$.root.activities[1].id", "duplicate activity id 'a' (first used at $.root.activities[0])"), errors);
    }

    [Fact]
    public void Connection_to_a_missing_activity_is_reported_at_the_connection_end()
    {
        var errors = Errors(new Flow("x").WriteLine("a", "1").Connect("a", "ghost"));

        Assert.Contains(new DefinitionError("$.root.connections[0].target", "connection to missing activity 'ghost'"), errors);
    }

    [Fact]
    public void Connection_from_a_missing_port_lists_the_ports_there_are()
    {
        var errors = Errors(new Flow("x")
            .Activity("d", "Elsa.FlowDecision", ("condition", Literal(true, "Boolean"))).WriteLine("w", "w")
            .Connect("d", "w", "Yes"));

        Assert.Contains(new DefinitionError("$.root.connections[0].source", "activity 'd' (Elsa.FlowDecision) has no port 'Yes': its ports are True, False"), errors);
    }

    [Fact]
    public void Fork_ports_come_from_its_branches()
    {
        var flow = new Flow("x")
            .Activity("f", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Police\",\"Liaison\"]")))
            .WriteLine("p", "p").WriteLine("l", "l").WriteLine("o", "o")
            .Connect("f", "p", "Police").Connect("f", "l", "Liaison").Connect("f", "o", "Done");

        Assert.Contains(new DefinitionError("$.root.connections[2].source", "activity 'f' (Elsa.FlowFork) has no port 'Done': its ports are Police, Liaison"), Errors(flow));
    }

    [Fact]
    public void An_activity_nothing_can_reach_is_reported()
    {
        var errors = Errors(new Flow("x").Activity("start", "Elsa.Start").WriteLine("a", "a").WriteLine("island", "never").Chain("start", "a"));

        Assert.Equal([new DefinitionError("$.root.activities[2]", "activity 'island' cannot be reached from the start activity 'start'")], errors);
    }

    [Fact]
    public void A_missing_required_input_is_reported_where_it_belongs()
    {
        var errors = Errors(new Flow("x").Activity("w", "Elsa.WriteLine"));

        Assert.Equal([new DefinitionError("$.root.activities[0].text", "required input 'text' of Elsa.WriteLine is missing")], errors);
    }

    [Fact]
    public void A_JavaScript_syntax_error_is_reported_at_the_expression_with_line_and_column()
    {
        var errors = Errors(new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Js("getLevel( <= 2"))));

        var error = Assert.Single(errors);
        Assert.Equal("$.root.activities[0].condition.expression.value", error.Path);
        Assert.StartsWith("JavaScript syntax error at line 1", error.Message);
    }

    [Fact]
    public void A_script_with_a_top_level_return_is_valid_as_in_Elsa()
    {
        Assert.Empty(Errors(new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Js("var level = getLevel();\nreturn level <= 2;"))).WriteLine("t", "t").Connect("d", "t", "True")));
    }

    [Fact]
    public void A_cycle_with_no_way_out_and_nothing_that_waits_is_refused()
    {
        var errors = Errors(new Flow("x").Activity("start", "Elsa.Start").WriteLine("a", "a").WriteLine("b", "b").Chain("start", "a", "b").Connect("b", "a"));

        Assert.Equal([new DefinitionError("$.root.activities[1]", "the loop a → b → a has no way out and no activity that waits: it would run forever")], errors);
    }

    [Fact]
    public void A_loop_that_a_decision_can_leave_is_valid()
    {
        var flow = new Flow("x")
            .Variable("n", "Int32", 0)
            .Activity("inc", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "n" }), ("value", Js("getN() + 1")))
            .Activity("more", "Elsa.FlowDecision", ("condition", Js("getN() < 3")))
            .WriteLine("done", "done")
            .Chain("inc", "more").Connect("more", "inc", "True").Connect("more", "done", "False");

        Assert.Empty(Errors(flow));
    }

    [Fact]
    public void A_loop_that_waits_on_a_timer_is_valid()
    {
        var flow = new Flow("x")
            .Activity("start", "Elsa.Start")
            .Activity("remind", "Elsa.WriteLine", ("text", Literal("reminder")))
            .Activity("wait", "Elsa.Delay", ("timeSpan", Literal("1.00:00:00")))
            .Chain("start", "remind", "wait").Connect("wait", "remind");

        Assert.Empty(Errors(flow));
    }

    [Fact]
    public void A_variable_that_is_not_declared_is_reported()
    {
        var errors = Errors(new Flow("x").Activity("s", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "ghost" }), ("value", Literal(1))));

        Assert.Equal([new DefinitionError("$.root.activities[0].variable", "variable 'ghost' is not declared in $.variables")], errors);
    }

    [Fact]
    public void An_unsupported_expression_type_is_reported()
    {
        var text = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Liquid", ["value"] = "{{ x }}" } };

        var errors = Errors(new Flow("x").Activity("w", "Elsa.WriteLine", ("text", text)));

        Assert.Equal([new DefinitionError("$.root.activities[0].text.expression.type", "expression type 'Liquid' is not supported (use Literal, Variable, Object or JavaScript)")], errors);
    }

    [Fact]
    public void The_older_flat_connection_form_is_read_too()
    {
        var document = new Flow("x").WriteLine("a", "a").WriteLine("b", "b").Build();
        document["root"]!["connections"] = new JsonArray(new JsonObject { ["source"] = "a", ["target"] = "b", ["sourcePort"] = "Done", ["targetPort"] = "In" });

        var (definition, errors) = _validator.Load(document);

        Assert.Empty(errors);
        Assert.Equal("b", Assert.Single(definition!.Outgoing("a", "Done")).Target);
    }

    private IReadOnlyList<DefinitionError> Errors(Flow flow) => _validator.Load(flow.Json()).Errors;
}
