using System.Net;
using System.Text;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>A host process killed in the middle of flows; after a restart no instance is lost or stuck.</summary>
public sealed class CrashRecoveryTests
{
    private const int Instances = 60;

    [Fact]
    public async Task A_host_killed_in_the_middle_of_flows_loses_nothing_and_leaves_nothing_stuck_after_restart()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var definition = new Flow("crash")
            .WriteLine("before", "before")
            .Activity("wait", "Elsa.Delay", ("timeSpan", Literal("00:00:20")))
            .WriteLine("after", "after")
            .Chain("before", "wait", "after").Json();
        var accepted = new List<string>();

        await using (var first = await HostProcess.StartAsync(connectionString))
        {
            Assert.Equal(HttpStatusCode.Created, (await first.Http.PostAsync("/api/workflow-definitions?publish=true", Json(definition))).StatusCode);
            for (var i = 0; i < Instances; i++)
            {
                var response = await first.Http.PostAsync("/api/workflow-definitions/crash/dispatch", Json("{}"));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                accepted.Add((await response.Content.ReadAsStringAsync()).Split('"')[3]);
            }

            first.Kill();
        }

        // Every accepted instance is in the database, and the kill came while they were still under way.
        await using var engine = new EngineReader(connectionString);
        Assert.Equal(Instances, (await engine.AllInstancesAsync(new InstanceFilter())).Count);
        Assert.Empty(await engine.AllInstancesAsync(new InstanceFilter(Status: WorkflowStatus.Finished)));

        await using var second = await HostProcess.StartAsync(connectionString);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && (await engine.AllInstancesAsync(new InstanceFilter(Status: WorkflowStatus.Finished))).Count < Instances)
        {
            await Task.Delay(250);
        }

        Assert.Equal(Instances, (await engine.AllInstancesAsync(new InstanceFilter(Status: WorkflowStatus.Finished))).Count);
        foreach (var id in accepted)
        {
            Assert.Empty((await engine.Instances.GetAsync(id, CancellationToken.None))!.Bookmarks);
            var lines = (await engine.Instances.JournalAsync(id, CancellationToken.None)).Where(j => j.Event == "WriteLine").Select(j => j.Message).ToList();
            Assert.Equal(1, lines.Count(m => m == "before"));
            Assert.Equal(1, lines.Count(m => m == "after"));
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
