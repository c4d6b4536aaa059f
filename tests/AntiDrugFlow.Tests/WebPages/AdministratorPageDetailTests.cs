using System.Net;
using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>Small things administrators saw on day one: the icon, one product name, a reversed audit range, samples apart, the escalation path.</summary>
public sealed class AdministratorPageDetailTests : IAsyncLifetime
{
    private PageHost _pages = null!;

    public async Task InitializeAsync() => _pages = await PageHost.StartAsync();

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    [Fact]
    public async Task The_site_icon_is_served()
    {
        var response = await _pages.Http.GetAsync("/favicon.ico");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/x-icon", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, (await response.Content.ReadAsByteArrayAsync())[..4]);
    }

    [Fact]
    public async Task The_sign_in_page_names_the_product_as_the_other_pages_do()
    {
        var html = WebUtility.HtmlDecode(await _pages.Http.GetStringAsync("/account/login"));

        Assert.Contains("反毒通報流程系統", html, StringComparison.Ordinal);
        Assert.DoesNotContain("反毒通報系統", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reversed_audit_range_is_refused_with_a_message_instead_of_an_empty_list()
    {
        var html = await _pages.PageAsync("/admin/audit?from=115/11/02&to=115/11/01");

        Assert.Contains("迄日（115/11/01）早於起日（115/11/02），不會有任何紀錄", html, StringComparison.Ordinal);
        Assert.DoesNotContain("沒有符合條件的紀錄", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_definition_imported_from_the_samples_folder_is_listed_apart_as_a_sample()
    {
        var samples = Path.Combine(Directory.CreateTempSubdirectory("adf-samples-").FullName, "samples");
        Directory.CreateDirectory(samples);
        File.Copy(Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "samples", "hello-world.json"), Path.Combine(samples, "hello-world.json"));
        await File.WriteAllTextAsync(Path.Combine(samples, "..", "real.json"), new Flow("real-chain").WriteLine("a", "a").Json());
        await DefinitionImport.ImportAsync(_pages.Factory.Services, [Path.Combine(samples, "..")], DefinitionImportMode.Seed, TextWriter.Null, DefinitionImport.LogLine, CancellationToken.None);

        var html = await _pages.PageAsync("/admin/definitions");

        var real = html[html.IndexOf("id=\"definitions\"", StringComparison.Ordinal)..html.IndexOf("id=\"samples-heading\"", StringComparison.Ordinal)];
        var sample = html[html.IndexOf("id=\"sample-definitions\"", StringComparison.Ordinal)..];
        Assert.Contains("real-chain", real, StringComparison.Ordinal);
        Assert.DoesNotContain("hello-world", real, StringComparison.Ordinal);
        Assert.Contains("hello-world", sample, StringComparison.Ordinal);
        Assert.Contains("範例", sample, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agencies_page_describes_the_escalation_path_the_directory_takes()
    {
        var html = await _pages.PageAsync("/admin/agencies");

        Assert.Contains("派出所 → 分局 → 少年警察隊（縣市沒有少年警察隊時為警察局）→ 警政署", html, StringComparison.Ordinal);
        Assert.Contains("id=\"escalation-example\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("派出所 → 分局 → 警察局）", html, StringComparison.Ordinal);
    }
}
