using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using AntiDrugFlow.Integrations;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Workflows.Definitions;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>The chain definitions as shipped: valid, and every duration a variable an administrator changes by publishing.</summary>
public sealed partial class ShippedChainDefinitionTests
{
    private static readonly string[] DurationInputs = ["dueIn", "remindBefore", "timeSpan", "interval"];

    public static TheoryData<string> Chains() =>
        [.. Directory.GetFiles(Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "chains"), "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>()];

    [Theory]
    [MemberData(nameof(Chains))]
    public async Task Every_chain_is_valid_and_takes_each_duration_from_a_variable_or_input(string chain)
    {
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "chains", chain + ".json")))!.AsObject();
        await using var services = await CommandLine.ComposeAsync(string.Empty, TestConfiguration.Empty, CancellationToken.None);
        var validator = services.GetRequiredService<DefinitionValidator>();
        var (definition, errors) = validator.Load(document);

        Assert.Empty(errors);
        var variables = definition!.Variables.Select(v => v.Name).Concat(definition.Inputs.Select(i => i.Name)).ToHashSet();
        foreach (var activity in definition.Activities)
        {
            foreach (var input in DurationInputs.Select(activity.Input).OfType<Workflows.Models.ExpressionSpec>())
            {
                var code = input.Value?.GetValue<string>() ?? string.Empty;
                Assert.True(input.Type == "JavaScript", $"{input.JsonPath}: a duration must be an expression over variables");
                Assert.DoesNotMatch(QuotedDuration(), code);
                Assert.All(Getter().Matches(code).Select(m => char.ToLowerInvariant(m.Groups[1].Value[0]) + m.Groups[1].Value[1..]), name => Assert.Contains(name, variables));
            }
        }
    }

    [GeneratedRegex(@"'\d+(\.\d+)?:\d\d")]
    private static partial Regex QuotedDuration();

    [GeneratedRegex(@"get([A-Z]\w*)\(\)")]
    private static partial Regex Getter();
}
