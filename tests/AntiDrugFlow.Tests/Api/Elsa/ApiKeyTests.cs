using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Workflows.Access;
using Xunit;

namespace AntiDrugFlow.Tests.Api.Elsa;

/// <summary>API keys: created and revoked by administrators, acting with their roles, audited.</summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private AccountsHost _host = null!;

    public async Task InitializeAsync() => _host = await AccountsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static async Task<CreatedApiKey> CreateKeyAsync(HttpClient administrator, string name, string[] roles, string? agencyId)
    {
        var response = await administrator.PostAsJsonAsync("/api/api-keys", new { name, roles, agencyId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedApiKey>())!;
    }

    [Fact]
    public async Task A_key_acts_with_its_roles_is_refused_outside_them_and_stops_working_once_revoked()
    {
        using var admin = await _host.SignedInAsync("admin");
        var engineKey = await CreateKeyAsync(admin, "設計工具", [RoleNames.Administrator], null);
        var policeKey = await CreateKeyAsync(admin, "警政介接", [RoleNames.PoliceOfficer], "npa");
        using var engine = WithKey(engineKey.Key);
        using var police = WithKey(policeKey.Key);

        Assert.Equal(HttpStatusCode.OK, (await engine.GetAsync("/elsa/api/workflow-definitions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await police.GetAsync("/api/cases")).StatusCode);
        var refused = await police.GetAsync("/elsa/api/workflow-definitions");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        // A key, even an administrator's, cannot mint or revoke keys.
        Assert.Equal(HttpStatusCode.Forbidden, (await engine.PostAsJsonAsync("/api/api-keys", new { name = "x", roles = new[] { RoleNames.Administrator } })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/api-keys/{engineKey.Id}")).StatusCode);
        var revoked = await engine.GetAsync("/elsa/api/workflow-definitions");
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal("application/problem+json", revoked.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/api-keys/{engineKey.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKey(engineKey.Key + "x").GetAsync("/elsa/api/workflow-definitions")).StatusCode);

        var keys = (await admin.GetFromJsonAsync<List<ApiKey>>("/api/api-keys"))!;
        Assert.True(keys.Single(k => k.Id == engineKey.Id).IsRevoked);
        Assert.False(keys.Single(k => k.Id == policeKey.Id).IsRevoked);
        Assert.Equal(["npa"], keys.Where(k => k.Id == policeKey.Id).Select(k => k.AgencyId));
        Assert.StartsWith(keys.Single(k => k.Id == policeKey.Id).KeyPrefix, policeKey.Key);
        var listed = await admin.GetStringAsync("/api/api-keys");
        Assert.DoesNotContain(policeKey.Key, listed, StringComparison.Ordinal);

        var audit = (await admin.GetFromJsonAsync<List<AuditEntry>>("/api/audit?limit=50"))!;
        Assert.Equal(2, audit.Count(e => e.Action == ApiKeysApi.Created));
        Assert.Contains(audit, e => e.Action == ApiKeysApi.Revoked && e.Details == $"apiKey={engineKey.Id}");
    }

    [Fact]
    public async Task A_key_is_refused_when_its_name_roles_or_agency_are_wrong_naming_each_field()
    {
        using var admin = await _host.SignedInAsync("admin");

        var response = await admin.PostAsJsonAsync("/api/api-keys", new { name = "", roles = new[] { "wizard" }, agencyId = "no-such-agency" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["$.agencyId", "$.name", "$.roles[0]"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Only_administrators_manage_keys()
    {
        using var police = await _host.SignedInAsync("police.npa");

        Assert.Equal(HttpStatusCode.Forbidden, (await police.GetAsync("/api/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Anonymous().GetAsync("/api/api-keys")).StatusCode);
    }

    private HttpClient WithKey(string key)
    {
        var http = _host.Factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return http;
    }
}
