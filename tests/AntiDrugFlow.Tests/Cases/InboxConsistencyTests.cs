using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>
/// The inbox reads the agency's pending tasks, then (in another round trip) the tasks escalated away from it: a task whose
/// deadline passes between the two reads must show once, not as a pending row and an escalated row of the same task.
/// </summary>
public sealed class InboxConsistencyTests
{
    private const string Station = "police.kl-zhong-er-rd";

    [Fact]
    public async Task A_task_escalated_between_the_inboxs_two_reads_shows_once_and_escalated_on_the_next_read()
    {
        var between = new BetweenReads();
        await using var host = await ChainsHost.StartAsync(configureServices: services =>
        {
            services.RemoveAll<IHumanTaskQueries>();
            services.AddSingleton<IHumanTaskQueries>(sp => new PausingTaskQueries(sp.GetRequiredService<PostgresInstanceStore>(), between));
        });
        var school = await host.SignedInAsync("school.kl-chenggong-jh");
        var created = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = true, drugLevel = 2 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var station = await host.SignedInAsync(Station);

        // The urgent task's two hours pass, and its escalation commits, right after the inbox has listed it as pending.
        between.Run = () => host.AdvanceAsync(TimeSpan.FromHours(2));
        var first = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray();
        Assert.Null(between.Run);

        var row = Assert.Single(first)!;
        Assert.True(row["open"]!.GetValue<bool>());
        var next = Assert.Single((await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray())!;
        Assert.Equal(row["taskId"]!.GetValue<string>(), next["taskId"]!.GetValue<string>());
        Assert.False(next["open"]!.GetValue<bool>());
        Assert.Contains("分局", next["escalatedTo"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private sealed class BetweenReads
    {
        public Func<Task>? Run { get; set; }
    }

    /// <summary>The engine's task queries, running the test's action once right after an agency's pending tasks are listed.</summary>
    private sealed class PausingTaskQueries(IHumanTaskQueries inner, BetweenReads between) : IHumanTaskQueries
    {
        public Task<HumanTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken) => inner.GetTaskAsync(taskId, cancellationToken);

        public Task<IReadOnlyList<HumanTask>> GetTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken) =>
            inner.GetTasksAsync(taskIds, cancellationToken);

        public Task<IReadOnlyList<HumanTask>> ListTasksAsync(HumanTaskStatus? status, string? instanceId, CancellationToken cancellationToken) =>
            inner.ListTasksAsync(status, instanceId, cancellationToken);

        public async Task<HumanTaskPage> ListTasksForAgencyAsync(string agencyId, HumanTaskStatus status, int offset, int limit, CancellationToken cancellationToken)
        {
            var page = await inner.ListTasksForAgencyAsync(agencyId, status, offset, limit, cancellationToken);
            if (between.Run is { } run)
            {
                between.Run = null;
                await run();
            }

            return page;
        }
    }
}
