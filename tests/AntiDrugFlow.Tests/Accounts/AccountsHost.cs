using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>The web host with login required and the demo accounts seeded, on a fresh database.</summary>
public sealed class AccountsHost : IAsyncDisposable
{
    public const string Password = "TestDemoPass2026";

    private readonly ApiFactory _api;

    private AccountsHost(ApiFactory api)
    {
        _api = api;
        // Fewer hashing rounds than production only to keep 31 demo accounts per test quick; the scheme is the same.
        Factory = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000)));
    }

    public WebApplicationFactory<Program> Factory { get; }

    /// <summary>The host's database, for tests that set up rows the API has no way to make.</summary>
    public string ConnectionString => _api.ConnectionString;

    public static async Task<AccountsHost> StartAsync(IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Security:RequireLogin"] = "true",
            ["Demo:SeedAccounts"] = "true",
            ["Demo:Password"] = Password,
            // Every test client shares one address here; the limit has a test of its own.
            ["Security:LoginAttemptsPerMinute"] = "0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var host = new AccountsHost(await ApiFactory.CreateAsync(settings));
        // The first client starts the host, which seeds the demo accounts.
        host.Factory.CreateClient().Dispose();
        return host;
    }

    /// <summary>A client of its own (its own cookie jar), not signed in.</summary>
    public HttpClient Anonymous() => Factory.CreateClient();

    /// <summary>A client signed in as the given user; a page test that looks at redirects asks for one that does not follow them.</summary>
    public async Task<HttpClient> SignedInAsync(string userName, string password = Password, bool followRedirects = true)
    {
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects });
        var response = await LoginAsync(client, userName, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    /// <summary>
    /// A client signed in as a user whose password an administrator set, after the change to a password
    /// of their own that such a user must make before anything else.
    /// </summary>
    public async Task<HttpClient> SignedInWithOwnPasswordAsync(string userName, string administratorsPassword, string ownPassword)
    {
        var client = await SignedInAsync(userName, administratorsPassword);
        Assert.True((await BodyAsync(await client.GetAsync("/api/account/me")))["mustChangePassword"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(client, administratorsPassword, ownPassword)).StatusCode);
        return client;
    }

    public static Task<HttpResponseMessage> LoginAsync(HttpClient client, string userName, string password) =>
        client.PostAsJsonAsync("/api/account/login", new { userName, password });

    public static Task<HttpResponseMessage> ChangePasswordAsync(HttpClient client, string currentPassword, string newPassword) =>
        client.PostAsJsonAsync("/api/account/password", new { currentPassword, newPassword });

    public static async Task<JsonNode> BodyAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await _api.DisposeAsync();
    }
}
