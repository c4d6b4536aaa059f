using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
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

        // The audit log refuses the next creation.
        await using var refusal = await _host.RefuseAuditRowsAsync("case.create");
        using (var refused = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 }))
        {
            Assert.NotEqual(HttpStatusCode.Created, refused.StatusCode);
        }

        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM cases"));
        Assert.Single(await _host.InstanceIdsAsync());
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'case.create'"));
    }
}
