using System.Net;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;

namespace AntiDrugFlow.Tests.Api.Elsa;

/// <summary>A Studio on another origin may call the Elsa routes only when its origin is configured.</summary>
public sealed class ElsaCorsTests
{
    private const string StudioOrigin = "https://studio.example";

    [Fact]
    public async Task A_configured_studio_origin_passes_the_preflight_of_the_elsa_routes()
    {
        await using var factory = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["ElsaApi:Cors:Origins:0"] = StudioOrigin });
        using var http = factory.CreateClient();

        var response = await http.SendAsync(Preflight("/elsa/api/workflow-definitions"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal([StudioOrigin], response.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.Contains("authorization", string.Join(',', response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        var other = await http.SendAsync(Preflight("/elsa/api/workflow-definitions", "https://elsewhere.example"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Without_configured_origins_no_cross_origin_request_is_admitted()
    {
        await using var factory = await ApiFactory.CreateAsync();
        using var http = factory.CreateClient();

        var preflight = await http.SendAsync(Preflight("/elsa/api/workflow-definitions"));
        var request = new HttpRequestMessage(HttpMethod.Get, "/elsa/api/workflow-definitions");
        request.Headers.Add("Origin", StudioOrigin);
        var response = await http.SendAsync(request);

        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string path, string origin = StudioOrigin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }
}
