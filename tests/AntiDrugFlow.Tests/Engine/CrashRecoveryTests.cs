using System.Net;
using System.Text;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;
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
            .Activity("wait", "Elsa.Delay", ("timeSpan", Literal("00:00:05")))
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
        Assert.Equal(Instances, await CountAsync(connectionString, "SELECT count(*) FROM workflow_instances"));
        Assert.Equal(0, await CountAsync(connectionString, "SELECT count(*) FROM workflow_instances WHERE status = 'Finished'"));

        await using var second = await HostProcess.StartAsync(connectionString);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && await CountAsync(connectionString, "SELECT count(*) FROM workflow_instances WHERE status = 'Finished'") < Instances)
        {
            await Task.Delay(250);
        }

        Assert.Equal(Instances, await CountAsync(connectionString, "SELECT count(*) FROM workflow_instances WHERE status = 'Finished'"));
        Assert.Equal(0, await CountAsync(connectionString, "SELECT count(*) FROM workflow_bookmarks"));
        foreach (var id in accepted)
        {
            Assert.Equal(1, await CountAsync(connectionString, "SELECT count(*) FROM workflow_journal WHERE instance_id = $1 AND event = 'WriteLine' AND message = 'before'", id));
            Assert.Equal(1, await CountAsync(connectionString, "SELECT count(*) FROM workflow_journal WHERE instance_id = $1 AND event = 'WriteLine' AND message = 'after'", id));
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<long> CountAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }
}
