using System.Net;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>Every response carries the browser's protections; a page's numeric parameter that is no number is a 400 naming it.</summary>
public sealed class ResponseHeaderTests : IAsyncLifetime
{
    private ApiFactory _api = null!;

    public async Task InitializeAsync() => _api = await ApiFactory.CreateAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/api/workflow-definitions")]
    public async Task Pages_and_the_API_answer_with_a_content_security_policy_no_framing_no_sniffing_and_a_referrer_policy(string path)
    {
        using var client = _api.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Over_TLS_the_answer_asks_for_TLS_from_then_on()
    {
        _api.ClientOptions.BaseAddress = new Uri("https://localhost");
        using var client = _api.CreateClient();

        var response = await client.GetAsync("/account/login");

        Assert.StartsWith("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/cases?page=abc", "page")]
    [InlineData("/admin/instances?page=1.5", "page")]
    [InlineData("/admin/definitions/tip-off-chain?version=latest", "version")]
    [InlineData("/admin/definitions/tip-off-chain/compare?from=1&to=x", "to")]
    [InlineData("/admin/definitions/tip-off-chain/compare?from=%00&to=2", "from")]
    public async Task A_page_parameter_that_is_not_an_integer_is_a_400_naming_it(string path, string field)
    {
        using var client = _api.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![field]);
    }
}
