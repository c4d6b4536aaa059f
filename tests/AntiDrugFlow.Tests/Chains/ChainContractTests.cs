using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>
/// The records that start and answer the chains (Workflows/Domain/Chains) against the definitions in workflows-json/chains:
/// the C# side and the JSON side name the same keys, so renaming one without the other fails here.
/// </summary>
public sealed partial class ChainContractTests
{
    private static readonly HashSet<string> EngineGetters = ["WorkflowInstanceId", "CorrelationId"];

    public static TheoryData<string> Chains() => [.. ChainSamples.Inputs.Select(i => i.DefinitionId)];

    [Fact]
    public void Every_shipped_chain_has_an_input_record_and_every_case_kind_starts_one_of_them()
    {
        var shipped = Directory.GetFiles(ChainsFolder(), "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);

        Assert.Equal(shipped, ChainSamples.Inputs.Select(i => i.DefinitionId).Order(StringComparer.Ordinal));
        Assert.All(CaseKinds.All, kind => Assert.Contains(kind.Chain, shipped));
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void An_input_record_has_exactly_the_keys_its_chain_declares_as_inputs(string chain)
    {
        var declared = Definition(chain)["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>());

        Assert.Equal(declared.Order(StringComparer.Ordinal), ChainSamples.For(chain).ToJson().Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Chains))]
    public void A_chain_reads_no_value_that_is_neither_its_variable_nor_its_declared_input(string chain)
    {
        var definition = Definition(chain);
        var known = definition["variables"]!.AsArray().Concat(definition["inputs"]!.AsArray()).Select(v => v!["name"]!.GetValue<string>()).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var read = Getter().Matches(definition.ToJsonString()).Select(m => m.Groups[1].Value).Where(name => !EngineGetters.Contains(name)).Distinct();

        Assert.All(read, name => Assert.Contains(name, known));
    }

    [Theory]
    [InlineData("tip-off-chain")]
    [InlineData("first-time-offender")]
    public void A_chain_that_opens_a_follow_up_case_passes_exactly_the_keys_of_its_input_record(string chain)
    {
        var startInputs = Activities(Definition(chain))
            .Where(a => a["type"]?.GetValue<string>() == "AntiDrugFlow.StartWorkflow"
                && a["definitionId"]?["expression"]?["value"]?.GetValue<string>() == YouthCaseFollowUpInput.Definition)
            .Select(a => a["input"]!["expression"]!["value"]!.GetValue<string>())
            .ToList();
        var expected = new YouthCaseFollowUpInput("c", "n", null, null).ToJson().Select(p => p.Key).Order(StringComparer.Ordinal);

        Assert.NotEmpty(startInputs);
        Assert.All(startInputs, code => Assert.Equal(expected, ObjectLiteralKey().Matches(code).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void The_military_chain_branches_on_exactly_the_directions_the_record_names()
    {
        var compared = DirectionCase().Matches(File.ReadAllText(Path.Combine(ChainsFolder(), MilitaryNotificationInput.Definition + ".json"))).Select(m => m.Groups[1].Value);

        Assert.Equal(MilitaryDirections.All.Order(StringComparer.Ordinal), compared.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_chains_read_of_a_task_result_a_transition_and_a_counselling_record_only_what_the_records_carry()
    {
        var text = string.Concat(ChainSamples.Inputs.Select(i => File.ReadAllText(Path.Combine(ChainsFolder(), i.DefinitionId + ".json"))));
        var resultKeys = new RoutedTaskResult(RoutedTaskResult.Complete, "x").ToJson().Select(p => p.Key).ToHashSet();
        var transitionKeys = new StudentTransitionEvent("s").ToJson().Select(p => p.Key).ToHashSet();
        var recordKeys = new CounsellingRecordEvent("r", CounsellingRecordEvent.Retest, default, "negative").ToJson().Select(p => p.Key).ToHashSet();
        string[] events = ["Transition", "CounsellingRecord"];

        var readFromResults = PropertyRead().Matches(text).Where(m => !events.Contains(m.Groups[1].Value)).Select(m => m.Groups[2].Value).ToList();
        var readFromTransition = PropertyRead().Matches(text).Where(m => m.Groups[1].Value == "Transition").Select(m => m.Groups[2].Value).ToList();
        var readFromRecords = PropertyRead().Matches(text).Where(m => m.Groups[1].Value == "CounsellingRecord").Select(m => m.Groups[2].Value).ToList();

        Assert.NotEmpty(readFromResults);
        Assert.All(readFromResults, key => Assert.Contains(key, resultKeys));
        Assert.NotEmpty(readFromTransition);
        Assert.All(readFromTransition, key => Assert.Contains(key, transitionKeys));
        Assert.NotEmpty(readFromRecords);
        Assert.All(readFromRecords, key => Assert.Contains(key, recordKeys));
        var followUp = File.ReadAllText(Path.Combine(ChainsFolder(), YouthCaseFollowUpInput.Definition + ".json"));
        Assert.Contains($"\"{StudentTransitionEvent.EventName}\"", followUp, StringComparison.Ordinal);
        Assert.Contains($"\"{CounsellingRecordEvent.EventName}\"", followUp, StringComparison.Ordinal);
        // The results the chain compares are the ones the records store.
        Assert.All(CounsellingRecords.Results.Where(r => r.Value != "not-taken"), r => Assert.Contains($"=== '{r.Value}'", followUp, StringComparison.Ordinal));
    }

    private static string ChainsFolder() => Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "chains");

    private static JsonObject Definition(string chain) => JsonNode.Parse(File.ReadAllText(Path.Combine(ChainsFolder(), chain + ".json")))!.AsObject();

    private static IEnumerable<JsonObject> Activities(JsonObject definition) => definition["root"]!["activities"]!.AsArray().OfType<JsonObject>();

    [GeneratedRegex(@"\bget([A-Z]\w*)\(\)")]
    private static partial Regex Getter();

    [GeneratedRegex(@"[{,]\s*(\w+)\s*:")]
    private static partial Regex ObjectLiteralKey();

    [GeneratedRegex(@"getDirection\(\) === '([^']+)'")]
    private static partial Regex DirectionCase();

    [GeneratedRegex(@"\bget([A-Z]\w*)\(\)\.(\w+)")]
    private static partial Regex PropertyRead();
}
