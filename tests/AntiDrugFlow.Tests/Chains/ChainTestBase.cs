using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>A shipped chain on a real database with the clock in the test's hands.</summary>
public abstract class ChainTestBase(string definitionId) : IAsyncLifetime
{
    protected EngineHarness Engine { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Engine = await EngineHarness.CreateAsync();
        await Engine.PublishChainAsync(definitionId);
    }

    public async Task DisposeAsync() => await Engine.DisposeAsync();

    protected Task<WorkflowInstance> StartAsync(IChainInput input)
    {
        Assert.Equal(definitionId, input.DefinitionId);
        return Engine.StartAsync(definitionId, input.ToJson(), correlationId: "case-1");
    }

    protected async Task<HumanTask> TaskAsync(string instanceId, string taskName) =>
        Assert.Single(await Engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, instanceId, CancellationToken.None), t => t.TaskName == taskName);

    protected async Task<IReadOnlyList<HumanTask>> PendingAsync(string instanceId) =>
        await Engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, instanceId, CancellationToken.None);

    protected async Task CompleteAsync(string instanceId, string taskName, string? outcome = null)
    {
        var task = await TaskAsync(instanceId, taskName);
        var result = new RoutedTaskResult(outcome is null ? RoutedTaskResult.Acknowledge : RoutedTaskResult.Complete, outcome);
        Assert.Equal(ResumeResult.Resumed, (await Engine.Runtime.CompleteTaskAsync(task.Id, result.ToJson(), CancellationToken.None)).Result);
    }

    protected async Task AdvanceAsync(TimeSpan by)
    {
        Engine.Clock.Advance(by);
        while (await Engine.Runtime.FireDueTimersAsync(100, CancellationToken.None) > 0)
        {
            // Fire everything that came due, including timers set by what just fired.
        }
    }

    protected async Task<string?> StatusAsync(string instanceId) =>
        (await Engine.ReloadAsync(instanceId)).State.Variables.GetValueOrDefault("caseStatus")?.GetValue<string>();

    protected static string Agency(HumanTask task) => task.Payload!["agencyId"]!.GetValue<string>();
}
