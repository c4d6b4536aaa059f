using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>The definition page's 檢查 button refuses a deadline every urgent tip-off would fault on; nothing is saved.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DefinitionValidationPageTests(BrowserHost host)
{
    [Theory]
    [InlineData("兩小時")]
    [InlineData("-01:00:00")]
    public async Task A_bad_urgent_deadline_is_refused_by_the_check_button_with_the_path_of_the_input_that_reads_it(string deadline)
    {
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/definitions/tip-off-chain");
        var editor = page.Locator("#definition-json");
        var document = JsonNode.Parse(await editor.InputValueAsync())!.AsObject();
        document["variables"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "urgentAckDeadline")!["value"] = deadline;
        var versionsBefore = await page.Locator("#versions tbody tr").CountAsync();

        await editor.FillAsync(document.ToJsonString());
        await page.GetByRole(AriaRole.Button, new() { Name = "檢查" }).ClickAsync();

        var errors = page.Locator("#definition-errors");
        await Expect(errors).ToContainTextAsync("檢查發現");
        await Expect(errors.Locator("li[data-code='input.variable-default-mismatch']").First).ToContainTextAsync("$.root.activities[5].dueIn");
        await Expect(errors.Locator("li[data-code='input.variable-default-mismatch']").First).ToContainTextAsync($"輸入「dueIn」讀取變數「urgentAckDeadline」，但它的預設值「{deadline}」不是不為負的時間長度");
        await Expect(errors.Locator("li[data-code='variable.default-mismatch']")).ToContainTextAsync("變數「urgentAckDeadline」宣告為 TimeSpan");
        await Expect(page.Locator("#versions tbody tr")).ToHaveCountAsync(versionsBefore);
    }
}
