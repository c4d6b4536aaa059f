using System.Net;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Accounts;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Outbox;

/// <summary>With accounts, a dead letter's resend is recorded under the administrator who signed in, not a name they typed.</summary>
public sealed class DeadLetterAccountTests
{
    [Fact]
    public async Task A_signed_in_administrators_resend_is_recorded_under_their_account_and_other_roles_are_refused()
    {
        await using var host = await AccountsHost.StartAsync();
        var id = Guid.NewGuid();
        await using (var dataSource = NpgsqlDataSource.Create(host.ConnectionString))
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO outbox_messages (id, kind, idempotency_key, payload, status, attempts, next_attempt_at, last_error, created_at)
            VALUES ($1, 'email', $2, '{"to":["x@agencies.invalid"],"subject":"s","body":"b"}', 'DeadLettered', 8, now(), 'SMTP 554', now())
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = "test:" + id });
            await insert.ExecuteNonQueryAsync();
        }

        var police = await host.SignedInAsync("police.kl-zhong-er-rd");
        Assert.Equal(HttpStatusCode.Forbidden, (await police.PostAsync($"/api/outbox/dead-letters/{id}/resend", null)).StatusCode);
        var admin = await host.SignedInAsync("admin");
        var resend = await admin.PostAsync($"/api/outbox/dead-letters/{id}/resend?user=someone-else", null);

        Assert.Equal(HttpStatusCode.OK, resend.StatusCode);
        var audit = (await AccountsHost.BodyAsync(await admin.GetAsync($"/api/outbox/messages/{id}/audit"))).AsArray();
        var entry = Assert.Single(audit)!.ToJsonString();
        Assert.Contains("admin (", entry);
        Assert.DoesNotContain("someone-else", entry);
    }
}
