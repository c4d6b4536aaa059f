using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.WebPages.PageForm;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The API keys page in-process, on a real database with the demo accounts: a key created on the page is
/// shown once and works on Elsa's API; revoked after a confirmation step, it is refused.
/// </summary>
public sealed partial class ApiKeyPagesTests : IAsyncLifetime
{
    private AccountsHost _host = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await AccountsHost.StartAsync();
        _admin = await _host.SignedInAsync("admin", followRedirects: false);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_key_created_on_the_page_is_shown_once_works_on_elsas_api_and_is_refused_once_revoked_after_confirmation()
    {
        var created = await SubmitAsync(_admin, "/admin/api-keys", "new-api-key",
            ("Form.Name", "流程設計工具"), ("Form.Roles", RoleNames.Administrator), ("Form.Agency", "moe-sse"));

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.True(created.Headers.CacheControl!.NoStore);
        var answer = await TextAsync(created);
        var key = CreatedKey().Match(answer).Groups[1].Value;
        Assert.StartsWith(PostgresApiKeyStore.KeyPrefix, key, StringComparison.Ordinal);
        Assert.Contains("只顯示這一次", answer, StringComparison.Ordinal);

        var stored = Assert.Single(await ListAsync(), k => k.Name == "流程設計工具");
        Assert.Equal([RoleNames.Administrator], stored.Roles);
        Assert.Equal(("moe-sse", false), (stored.AgencyId, stored.IsRevoked));
        var list = await TextAsync(await _admin.GetAsync("/admin/api-keys"));
        Assert.Contains($"<tr id=\"api-key-{stored.Id}\">", list, StringComparison.Ordinal);
        Assert.Contains(stored.KeyPrefix, list, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);

        using var machine = WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await machine.GetAsync("/elsa/api/workflow-definitions")).StatusCode);

        Assert.Contains($"href=\"/admin/api-keys?confirm={stored.Id}\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"revoke-api-key\"", list, StringComparison.Ordinal);
        var confirm = await TextAsync(await _admin.GetAsync($"/admin/api-keys?confirm={stored.Id}"));
        Assert.Contains("id=\"confirm-revoke\"", confirm, StringComparison.Ordinal);
        var revoked = await SubmitAsync(_admin, $"/admin/api-keys?confirm={stored.Id}", "revoke-api-key");

        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        Assert.Equal("/admin/api-keys?notice=revoked", revoked.Headers.Location!.PathAndQuery);
        Assert.True((await ListAsync()).Single(k => k.Id == stored.Id).IsRevoked);
        Assert.Equal(HttpStatusCode.Unauthorized, (await machine.GetAsync("/elsa/api/workflow-definitions")).StatusCode);
        var afterwards = await TextAsync(await _admin.GetAsync("/admin/api-keys"));
        Assert.DoesNotContain(key, afterwards, StringComparison.Ordinal);
        Assert.DoesNotContain($"href=\"/admin/api-keys?confirm={stored.Id}\"", afterwards, StringComparison.Ordinal);

        var audit = await _host.Factory.Services.GetRequiredService<PostgresAuditLog>().QueryAsync(new AuditQuery(), CancellationToken.None);
        Assert.Contains(audit, e => e.Action == ApiKeyAdministration.Created && e.Details == $"apiKey={stored.Id};roles={RoleNames.Administrator};agency=moe-sse");
        Assert.Contains(audit, e => e.Action == ApiKeyAdministration.Revoked && e.Details == $"apiKey={stored.Id}");
    }

    [Fact]
    public async Task A_key_with_no_name_and_no_role_is_refused_with_each_message_next_to_its_field_and_nothing_is_saved()
    {
        var response = await SubmitAsync(_admin, "/admin/api-keys", "new-api-key", ("Form.Name", " "), ("Form.Agency", "no-such-agency"));

        var html = await TextAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        AssertErrorAfter(html, "id=\"key-name\"", "name", "名稱必須是 1 到 100 個字。");
        AssertErrorAfter(html, "<legend>角色（可複選；金鑰以這些角色行事）</legend>", "roles", "至少要指定一個角色。");
        AssertErrorAfter(html, "id=\"key-agency\"", "agencyId", "機關「no-such-agency」不在機關名錄中");
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task School_staff_are_refused_the_page()
    {
        using var school = await _host.SignedInAsync("school.kl-xinyi-jh", followRedirects: false);

        var refused = await school.GetAsync("/admin/api-keys");

        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/account/access-denied", refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.DoesNotContain("/admin/api-keys", await TextAsync(await school.GetAsync("/inbox")), StringComparison.Ordinal);
    }

    private async Task<IReadOnlyList<ApiKey>> ListAsync() =>
        await _host.Factory.Services.GetRequiredService<PostgresApiKeyStore>().ListAsync(CancellationToken.None);

    private HttpClient WithKey(string key)
    {
        var client = _host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return client;
    }

    [GeneratedRegex("id=\"created-key\">([^<]+)</code>")]
    private static partial Regex CreatedKey();
}
