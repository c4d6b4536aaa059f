using System.Net;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Tests.Infrastructure;
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
        await using (var engine = new EngineReader(host.ConnectionString))
        {
            await engine.AddDeadLetterAsync(id, "email", "test:" + id, new System.Text.Json.Nodes.JsonObject { ["to"] = new System.Text.Json.Nodes.JsonArray("x@agencies.invalid"), ["subject"] = "s", ["body"] = "b" }, "SMTP 554");
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
