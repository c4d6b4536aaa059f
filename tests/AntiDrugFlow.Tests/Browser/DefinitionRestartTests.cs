using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>An administrator's published edit survives a restart of the host: the start-up import only seeds what is missing.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DefinitionRestartTests(BrowserHost browser)
{
    [Fact]
    public async Task An_edit_published_by_an_administrator_is_kept_when_the_host_restarts_and_the_page_says_which_version_came_from_the_file()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var folder = Directory.CreateTempSubdirectory("adf-restart-definitions-").FullName;
        File.Copy(Path.Combine(BrowserHost.Repository, "workflows-json", "samples", "hello-world.json"), Path.Combine(folder, "hello-world.json"));
        await using (var first = await OwnHost.StartAsync(folder, connectionString))
        {
            var (context, page) = await OwnHost.SignInAsync(browser, first, "admin", "/admin/definitions/hello-world");
            await using var _ = context;
            var versions = page.Locator("#versions tbody tr");
            await Expect(versions).ToHaveCountAsync(1);
            await Expect(versions.Nth(0).Locator(".version-source")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("由檔案 .*hello-world.json 匯入"));

            // The designer lays the diagram out and writes the JSON editor once at load: read and edit after that.
            await Expect(page.Locator("#designer")).ToHaveAttributeAsync("data-ready", "true");
            var editor = page.GetByLabel("第 1 版的定義");
            var original = await editor.InputValueAsync();
            await editor.FillAsync(original.Replace("\"第一、二級毒品\"", "\"第一、二級毒品（管理者修改）\"", StringComparison.Ordinal));
            await page.GetByRole(AriaRole.Button, new() { Name = "儲存草稿" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("草稿已儲存");
            await DefinitionPageSteps.PublishAsync(page, 2);
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已發布");
            await Expect(versions.Nth(0).Locator(".version-source")).ToHaveAttributeAsync("data-source", "person");
            await first.StopGracefullyAsync();
        }

        await using var second = await OwnHost.StartAsync(folder, connectionString);
        var (againContext, again) = await OwnHost.SignInAsync(browser, second, "admin", "/admin/definitions/hello-world");
        await using var __ = againContext;
        var after = again.Locator("#versions tbody tr");
        await Expect(after).ToHaveCountAsync(2);
        await Expect(after.Nth(0)).ToContainTextAsync("發布中");
        await Expect(after.Nth(0).Locator(".version-source")).ToHaveAttributeAsync("data-source", "person");
        await Expect(after.Nth(1).Locator(".version-source")).ToHaveAttributeAsync("data-source", "file");
        await Expect(again.GetByLabel("第 2 版的定義")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("管理者修改"));
    }
}
