using System.Net;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>The pages as HTTP sees them, in-process on a real database: home, not-found answers, the stylesheet, forged posts.</summary>
public sealed class PageEndpointTests : IAsyncLifetime
{
    private PageHost _pages = null!;

    public async Task InitializeAsync() => _pages = await PageHost.StartAsync();

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    [Fact]
    public async Task The_home_page_is_served_at_the_root_in_traditional_chinese()
    {
        var response = await _pages.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"zh-Hant-TW\">", html, StringComparison.Ordinal);
        Assert.Contains("工作流程定義", html, StringComparison.Ordinal);
        Assert.Contains("民國", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_home_page_lists_a_faulted_instance_with_its_error()
    {
        var definition = new Flow("home-faulty").Activity("boom", "Elsa.WriteLine", ("text", Flow.Js("noSuchFunction()", "String"))).Build();
        (await _pages.Http.PostAsync("/api/workflow-definitions?publish=true", new StringContent(definition.ToJsonString(), System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        var started = await _pages.Http.PostAsync("/api/workflow-definitions/home-faulty/execute", null);
        var instance = JsonNode.Parse(await started.Content.ReadAsStringAsync())!;
        Assert.Equal("Faulted", instance["status"]!.GetValue<string>());

        var html = await _pages.Http.GetStringAsync("/");

        Assert.Contains("最近發生錯誤的執行個體", html, StringComparison.Ordinal);
        Assert.Contains(instance["id"]!.GetValue<string>(), html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/admin/definitions/no-such-definition")]
    [InlineData("/admin/definitions/no-such-definition?version=7")]
    [InlineData("/admin/definitions/no-such-definition/compare?from=1&to=2")]
    [InlineData("/admin/instances/no-such-instance")]
    [InlineData("/admin/milestones/no-such-cycle/no-such-item")]
    public async Task A_missing_definition_version_or_instance_is_a_404_page_in_chinese(string address)
    {
        var response = await _pages.Http.GetAsync(address);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("找不到網頁或資料", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stylesheet_is_served_from_the_assembly()
    {
        var response = await _pages.Http.GetAsync("/css/site.css");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/admin/definitions")]
    [InlineData("/admin/instances")]
    [InlineData("/admin/dead-letters")]
    [InlineData("/admin/milestones")]
    public async Task With_login_required_the_administrator_pages_send_an_anonymous_visitor_to_the_login_page(string address)
    {
        await using var factory = new ApiFactory(_pages.Factory.ConnectionString, Directory.CreateTempSubdirectory("adf-pages-").FullName, new Dictionary<string, string> { ["Security:RequireLogin"] = "true" });
        using var http = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await http.GetAsync(address);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused()
    {
        var response = await _pages.Http.PostAsync("/admin/definitions/anything", new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "publish" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
