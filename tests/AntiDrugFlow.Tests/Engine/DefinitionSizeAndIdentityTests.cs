using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Large definitions validate in one linear pass up to the documented limit and are refused beyond it; a
/// definition without definitionId gets one derived from its name with a warning; every error is reported in
/// one pass; C# and Python expressions stay refused; an imported file exports as it came in.
/// </summary>
public sealed class DefinitionSizeAndIdentityTests
{
    private readonly DefinitionValidator _validator = new(ActivityRegistry.WithBuiltIns());

    [Fact]
    public void A_straight_chain_of_fifty_thousand_activities_is_valid_and_not_a_loop()
    {
        var (definition, errors) = _validator.Load(StraightChain(DefinitionReader.MaxActivities));

        Assert.Empty(errors);
        Assert.NotNull(definition);
        Assert.Equal(DefinitionReader.MaxActivities, definition.Activities.Count);
    }

    [Fact]
    public void A_definition_over_the_activity_limit_is_refused_as_too_large()
    {
        var (definition, errors) = _validator.Load(StraightChain(DefinitionReader.MaxActivities + 1));

        Assert.Null(definition);
        var error = Assert.Single(errors, e => e.Code == DefinitionErrorKinds.DefinitionTooLarge.Code);
        Assert.Equal("$.root.activities", error.Path);
        Assert.Equal("定義太大：活動有 50,001 個，上限是 50,000 個；請拆成幾個較小的工作流程", error.Message);
    }

    [Fact]
    public void A_definition_without_definitionId_gets_a_slug_of_its_name_with_a_warning()
    {
        var document = new Flow("ignored").WriteLine("a", "1").Build();
        document.Remove("definitionId");
        document.Remove("id");
        document["name"] = "Student Transition (2026)";

        var (definition, errors) = _validator.Load(document);

        Assert.Empty(errors);
        Assert.Equal("student-transition-2026", definition!.DefinitionId);
        var warning = Assert.Single(definition.Warnings);
        Assert.Equal(DefinitionErrorKinds.DefinitionIdDerived.Code, warning.Code);
        Assert.Contains("student-transition-2026", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Chinese_name_gives_the_same_hashed_definitionId_every_time_and_another_name_another()
    {
        var first = DefinitionReader.DerivedDefinitionId("校園藥物濫用通報");
        var again = DefinitionReader.DerivedDefinitionId("校園藥物濫用通報");
        var other = DefinitionReader.DerivedDefinitionId("校外會轉介");

        Assert.Matches("^wf-[0-9a-f]{16}$", first);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void A_definition_without_id_or_name_reports_that_and_its_other_errors_in_one_pass()
    {
        var document = new Flow("ignored").Activity("a", "Elsa.Start").Activity("b", "Elsa.Teleport").Chain("a", "b").Connect("a", "ghost").Build();
        document.Remove("definitionId");
        document.Remove("id");
        document.Remove("name");

        var codes = _validator.Load(document).Errors.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);

        Assert.Contains(DefinitionErrorKinds.DefinitionIdMissing.Code, codes);
        Assert.Contains(DefinitionErrorKinds.ActivityTypeUnknown.Code, codes);
        Assert.Contains(DefinitionErrorKinds.ConnectionTargetUnknown.Code, codes);
    }

    [Theory]
    [InlineData("CSharp")]
    [InlineData("Python")]
    public void CSharp_and_Python_expressions_are_refused_with_a_message_naming_the_types_that_run(string type)
    {
        var text = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = type, ["value"] = "1 + 1" } };
        var json = new Flow("x").Activity("a", "Elsa.WriteLine", ("text", text)).Json();

        var error = Assert.Single(_validator.Load(json).Errors);

        Assert.Equal(("$.root.activities[0].text.expression.type", "expression.unsupported-type"), (error.Path, error.Code));
        Assert.Equal($"不支援運算式類型「{type}」：請用 Literal、Variable、Object 或 JavaScript", error.Message);
    }

    [Fact]
    public async Task An_imported_file_exports_the_same_JSON_with_unknown_fields_and_designer_data_but_the_managed_fields()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var document = new Flow("round-trip").WriteLine("a", "你好").WriteLine("b", "再見").Chain("a", "b").Build();
        document["description"] = "匯入再匯出";
        document["customProperties"] = new JsonObject { ["owner"] = "校外會", ["tags"] = new JsonArray("a", 1, true, null) };
        document["vendorExtension"] = new JsonObject { ["nested"] = new JsonObject { ["deep"] = 1.5 } };
        var activities = document["root"]!["activities"]!.AsArray();
        for (var i = 0; i < activities.Count; i++)
        {
            activities[i]!["metadata"] = new JsonObject { ["designer"] = new JsonObject { ["position"] = new JsonObject { ["x"] = 100 * i, ["y"] = -40.25 }, ["size"] = new JsonObject { ["width"] = 180, ["height"] = 60 } } };
            activities[i]!["unknownActivityField"] = new JsonArray(i, "x");
        }

        document["root"]!["metadata"] = new JsonObject { ["zoom"] = 0.8 };

        var (version, changed) = await engine.Definitions.ImportAsync(document.DeepClone().AsObject(), CancellationToken.None);
        var exported = Workflows.Services.WorkflowDefinitionService.Export((await engine.Definitions.Store.GetByIdAsync(version.Id, CancellationToken.None))!);

        Assert.True(changed);
        Assert.True(JsonNode.DeepEquals(WithoutManaged(document), WithoutManaged(exported)), exported.ToJsonString());
        Assert.Equal("round-trip", exported["definitionId"]!.GetValue<string>());
        Assert.True(exported["isPublished"]!.GetValue<bool>());
    }

    private static JsonObject WithoutManaged(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        foreach (var field in (string[])["id", "version", "isPublished", "isLatest"])
        {
            copy.Remove(field);
        }

        return copy;
    }

    private static string StraightChain(int count)
    {
        var activities = new JsonArray();
        var connections = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            activities.Add(new JsonObject
            {
                ["id"] = $"a{i}",
                ["type"] = i == 0 ? "Elsa.Start" : "Elsa.WriteLine",
                ["text"] = i == 0 ? null : new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = "x" } },
            });
            if (i > 0)
            {
                connections.Add(new JsonObject { ["source"] = new JsonObject { ["activity"] = $"a{i - 1}", ["port"] = "Done" }, ["target"] = new JsonObject { ["activity"] = $"a{i}", ["port"] = "In" } });
            }
        }

        return new JsonObject
        {
            ["definitionId"] = "long-chain",
            ["name"] = "long chain",
            ["root"] = new JsonObject { ["type"] = "Elsa.Flowchart", ["id"] = "root", ["activities"] = activities, ["connections"] = connections },
        }.ToJsonString();
    }
}
