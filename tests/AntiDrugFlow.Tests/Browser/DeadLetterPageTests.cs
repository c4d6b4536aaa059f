using Microsoft.Playwright;
using Npgsql;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class DeadLetterPageTests(BrowserHost host)
{
    [Fact]
    public async Task An_administrator_resends_one_dead_letter_and_drops_another_and_both_are_audited()
    {
        var unreachable = await DeadLetterAsync("http://127.0.0.1:9/police/tasks", "HTTP 503 Service Unavailable");
        var rejected = await DeadLetterAsync("http://127.0.0.1:7/school/notify", "HTTP 400 Bad Request");
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "主要功能" }).GetByRole(AriaRole.Link, new() { Name = "無法投遞的訊息" }).ClickAsync();
        var rows = page.Locator("#dead-letters tbody tr");
        await Expect(rows.Filter(new() { HasText = "127.0.0.1:9" })).ToContainTextAsync("HTTP 503 Service Unavailable");

        await page.GetByLabel("給 127.0.0.1:9 的訊息").CheckAsync();
        await page.GetByLabel("操作者").FillAsync("系統管理員甲");
        await page.GetByLabel("原因").FillAsync("對方系統已恢復");
        await page.GetByRole(AriaRole.Button, new() { Name = "重送" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已排入重送");
        await Expect(rows.Filter(new() { HasText = "127.0.0.1:9" })).ToHaveCountAsync(0);

        await page.GetByLabel("給 127.0.0.1:7 的訊息").CheckAsync();
        await page.GetByLabel("操作者").FillAsync("系統管理員甲");
        await page.GetByRole(AriaRole.Button, new() { Name = "捨棄" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已捨棄");
        await Expect(rows.Filter(new() { HasText = "127.0.0.1:7" })).ToHaveCountAsync(0);

        Assert.Equal(("Resent", "系統管理員甲", "對方系統已恢復"), await AuditAsync(unreachable));
        Assert.Equal(("Dropped", "系統管理員甲", (string?)null), await AuditAsync(rejected));
    }

    /// <summary>An HTTP message whose address is a closed loopback port, so a resend stays on this machine.</summary>
    private Task<Guid> DeadLetterAsync(string url, string error) =>
        host.AddDeadLetterAsync("http", $$"""{"url":"{{url}}","method":"POST"}""", error);

    private async Task<(string Action, string Actor, string? Reason)> AuditAsync(Guid id)
    {
        await using var dataSource = NpgsqlDataSource.Create(host.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT action, actor, reason FROM outbox_audit WHERE message_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }
}
