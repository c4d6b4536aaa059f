using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Accounts;
using Xunit;

namespace AntiDrugFlow.Tests.Milestones;

/// <summary>With login required, marking progress records the signed-in account, whatever name the body carries.</summary>
public sealed class MilestoneProgressAccountTests
{
    [Fact]
    public async Task Progress_marked_by_a_signed_in_administrator_is_recorded_under_their_account()
    {
        await using var host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Workflows:Directory"] = Host.Infrastructure.ProjectPaths.WorkflowsDirectory() });
        var admin = await host.SignedInAsync("admin");
        var id = (await admin.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items"))![0]!["id"]!.GetValue<string>();

        var response = await admin.PostAsJsonAsync($"/api/milestones/2017/items/{id}/progress", new { by = "someone-else", status = "InProgress", note = "進行中" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detail = (await admin.GetFromJsonAsync<JsonObject>($"/api/milestones/2017/items/{id}"))!;
        var recordedBy = Assert.Single(detail["progress"]!.AsArray())!["recordedBy"]!.GetValue<string>();
        Assert.StartsWith("admin (", recordedBy);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.SignedInAsync("police.kl-zhong-er-rd")).PostAsJsonAsync($"/api/milestones/2017/items/{id}/progress", new { by = "x", status = "Done" })).StatusCode);
    }
}
