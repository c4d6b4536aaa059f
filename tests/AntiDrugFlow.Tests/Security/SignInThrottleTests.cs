using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Accounts.AccountsHost;

namespace AntiDrugFlow.Tests.Security;

/// <summary>
/// Wrong passwords make further attempts wait instead of locking the account: per name and address, per name
/// (except from the addresses the account signed in from) and per address (an IPv6 one by its /64), counted in PostgreSQL,
/// on the test clock.
/// </summary>
public sealed class SignInThrottleTests : IAsyncLifetime
{
    private readonly TestClock _clock = new();
    private AccountsHost _host = null!;
    private WebApplicationFactory<Program> _factory = null!;

    public async Task InitializeAsync()
    {
        _host = await AccountsHost.StartAsync();
        _factory = OnClock(_host.Factory);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData(5)]
    [InlineData(50)]
    public async Task Wrong_passwords_for_admin_from_one_address_make_that_address_wait_and_never_lock_the_account(int wrongPasswords)
    {
        using var attacker = From(_factory, "203.0.113.7");
        var answers = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= wrongPasswords; attempt++)
        {
            answers.Add((await LoginAsync(attacker, "admin", "WrongPassword" + attempt)).StatusCode);
        }

        // Five are checked; the rest wait and are not counted, so the wait does not grow while refused.
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), answers.Take(5));
        Assert.All(answers.Skip(5), status => Assert.Equal(HttpStatusCode.TooManyRequests, status));
        var refused = await LoginAsync(attacker, "admin", Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal("嘗試次數過多", (await BodyAsync(refused))["title"]!.GetValue<string>());

        // Another host on the same database throttles alike; another address signs in at once.
        await using var otherHost = OnClock(_host.Factory);
        using var sameAddressOtherHost = From(otherHost, "203.0.113.7");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(sameAddressOtherHost, "admin", Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(From(_factory, "198.51.100.20"), "admin", Password)).StatusCode);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(attacker, "admin", Password)).StatusCode);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var afterTheWait = await LoginAsync(attacker, "admin", Password);
        Assert.Equal(HttpStatusCode.OK, afterTheWait.StatusCode);
        using var admin = From(_factory, "198.51.100.20");
        await LoginAsync(admin, "admin", Password);
        var users = await BodyAsync(await admin.GetAsync("/api/admin/users?name=admin"));
        Assert.Contains(users.AsArray(), u => u!["userName"]!.GetValue<string>() == "admin" && u["status"]!.GetValue<string>() == "active");
    }

    [Fact]
    public async Task The_wait_doubles_with_each_further_wrong_password_after_it()
    {
        using var client = From(_factory, "203.0.113.8");
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await LoginAsync(client, "liaison.kl", "WrongPassword" + attempt);
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, "liaison.kl", "WrongPassword6")).StatusCode);

        Assert.Equal("120", (await LoginAsync(client, "liaison.kl", Password)).Headers.GetValues("Retry-After").Single());
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "liaison.kl", Password)).StatusCode);
    }

    [Fact]
    public async Task An_unknown_name_is_answered_exactly_as_a_known_one_wrong_or_waiting()
    {
        using var known = From(_factory, "203.0.113.9");
        using var unknown = From(_factory, "203.0.113.10");
        for (var attempt = 1; attempt <= 7; attempt++)
        {
            var a = await LoginAsync(known, "admin", "WrongPassword" + attempt);
            var b = await LoginAsync(unknown, "nobody.at-all", "WrongPassword" + attempt);

            Assert.Equal(attempt <= 5 ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, a.StatusCode);
            Assert.Equal(a.StatusCode, b.StatusCode);
            var (x, y) = (await BodyAsync(a), await BodyAsync(b));
            Assert.Equal(x["title"]!.GetValue<string>(), y["title"]!.GetValue<string>());
            Assert.Equal(x["detail"]!.GetValue<string>(), y["detail"]!.GetValue<string>());
            Assert.Equal(a.Headers.TryGetValues("Retry-After", out var ra) ? ra.Single() : null, b.Headers.TryGetValues("Retry-After", out var rb) ? rb.Single() : null);
        }
    }

    [Fact]
    public async Task Guessing_one_name_from_many_addresses_waits_everywhere_but_where_the_account_signs_in()
    {
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(From(_factory, "192.0.2.50"), "police.kl-xinyi", Password)).StatusCode);
        for (var address = 1; address <= 4; address++)
        {
            using var attacker = From(_factory, $"203.0.113.{100 + address}");
            for (var attempt = 1; attempt <= 5; attempt++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(attacker, "police.kl-xinyi", "WrongPassword" + attempt)).StatusCode);
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(From(_factory, "203.0.113.200"), "police.kl-xinyi", Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(From(_factory, "192.0.2.50"), "police.kl-xinyi", Password)).StatusCode);
    }

    [Fact]
    public async Task Guessing_many_names_from_one_address_makes_that_address_wait()
    {
        using var sprayer = From(_factory, "203.0.113.60");
        for (var name = 1; name <= 50; name++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(sprayer, $"guess{name}", "Summer2026!!")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(sprayer, "school.kl-xinyi-jh", Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(From(_factory, "203.0.113.61"), "school.kl-xinyi-jh", Password)).StatusCode);
    }

    [Fact]
    public async Task An_IPv6_client_is_counted_by_its_64_so_a_new_address_in_it_for_each_guess_still_waits()
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var attacker = From(_factory, $"2001:db8:5:6:{attempt:x}::{attempt:x}");
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(attacker, "admin", "WrongPassword" + attempt)).StatusCode);
        }

        using var sameNetwork = From(_factory, "2001:db8:5:6:ffff:1:2:3");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(sameNetwork, "admin", Password)).StatusCode);
        using var nextNetwork = From(_factory, "2001:db8:5:7::1");
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(nextNetwork, "admin", Password)).StatusCode);
    }

    private WebApplicationFactory<Program> OnClock(WebApplicationFactory<Program> factory) =>
        factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock).AddSingleton<IStartupFilter, ClientAddress>()));

    /// <summary>A client whose requests come from the given address (the in-memory server has none of its own).</summary>
    private static HttpClient From(WebApplicationFactory<Program> factory, string address)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add(ClientAddress.Header, address);
        return client;
    }

    private sealed class ClientAddress : IStartupFilter
    {
        public const string Header = "X-Test-Client-Address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers[Header].FirstOrDefault() is { } address)
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address);
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
