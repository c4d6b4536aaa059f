using System.Text.Json.Nodes;
using Xunit;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>One definition variable to change in a copy of the shipped workflows: its chain file, name and new value.</summary>
public sealed record WorkflowVariableOverride(string ChainFile, string Variable, string Value);

/// <summary>
/// A <see cref="CaseWorkerBrowserHost"/> on a temporary copy of the shipped workflows with some definition variables changed
/// (say a deadline of seconds instead of hours), so a real timer passes while the browser watches. The copy goes when it ends.
/// </summary>
public abstract class AlteredWorkflowsBrowserHost(params WorkflowVariableOverride[] overrides) : IAsyncLifetime
{
    private readonly CaseWorkerBrowserHost _inner = new();
    private string? _workflows;

    public CaseWorkerBrowserHost Browser => _inner;

    public async Task InitializeAsync()
    {
        var shipped = AntiDrugFlow.Host.Infrastructure.ProjectPaths.WorkflowsDirectory();
        _workflows = Directory.CreateTempSubdirectory("adf-altered-workflows-").FullName;
        foreach (var file in Directory.EnumerateFiles(shipped, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_workflows, Path.GetRelativePath(shipped, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        foreach (var chain in overrides.GroupBy(o => o.ChainFile))
        {
            var path = Path.Combine(_workflows, "chains", chain.Key);
            var document = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
            foreach (var change in chain)
            {
                var variable = document["variables"]!.AsArray().SingleOrDefault(v => v!["name"]!.GetValue<string>() == change.Variable)
                    ?? throw new InvalidOperationException($"The chain {change.ChainFile} has no variable {change.Variable} to override.");
                variable["value"] = change.Value;
            }

            await File.WriteAllTextAsync(path, document.ToJsonString());
        }

        await _inner.InitializeAsync(_workflows);
    }

    public async Task DisposeAsync()
    {
        await _inner.DisposeAsync();
        if (_workflows is not null)
        {
            Directory.Delete(_workflows, recursive: true);
        }
    }
}

/// <summary>The tip-off chain gives an urgent tip-off seconds, not hours, to be acknowledged, so the timer pump escalates the task.</summary>
public sealed class ShortDeadlineBrowserHost() : AlteredWorkflowsBrowserHost(new WorkflowVariableOverride("tip-off-chain.json", "urgentAckDeadline", "00:00:06"));

/// <summary>
/// The follow-up chain's 12-week 春暉 period (two rounds of <c>retestInterval</c>) lasts seconds, so the period ends while the
/// browser watches; the deadline for the closing re-test after it (<c>testDeadline</c>, 7 days as shipped) stays long.
/// </summary>
public sealed class ShortCounsellingPeriodBrowserHost() : AlteredWorkflowsBrowserHost(new WorkflowVariableOverride("youth-case-followup.json", "retestInterval", "00:00:05"));
