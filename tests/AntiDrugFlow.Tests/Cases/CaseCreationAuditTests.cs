using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>The audit row of a case's creation commits in the case's own transaction: it exists if and only if the case does.</summary>
public sealed class CaseCreationAuditTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_notification_whose_audit_row_cannot_be_written_leaves_no_case_and_no_instance_and_one_that_can_leaves_both()
    {
        using var school = await _host.SignedInAsync("school.kl-xinyi-jh");
        using (var created = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM cases c JOIN audit_log a ON a.case_id = c.id AND a.action = 'case.create'"));

        // The audit log refuses the next creation, as a full disk or a crash between the two writes would lose it.
        await ExecuteAsync("""
            CREATE FUNCTION refuse_case_create() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.action = 'case.create' THEN RAISE EXCEPTION 'audit refused'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_case_create BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_case_create();
            """);
        using (var refused = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 }))
        {
            Assert.NotEqual(HttpStatusCode.Created, refused.StatusCode);
        }

        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM cases"));
        Assert.Single(await _host.InstanceIdsAsync());
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'case.create'"));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(_host.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
