using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>An administrator at work in a real browser: definitions from the list to a new published version, then instances.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class AdministratorJourneyTests(BrowserHost host)
{
    [Fact]
    public async Task Administrator_edits_a_definition_sees_its_errors_saves_a_draft_publishes_retracts_and_compares_it()
    {
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/admin/definitions");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "工作流程定義", Level = 1 })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "通知學校（瀏覽器測試）", Exact = true }).ClickAsync();

        // The designer draws one node per activity; the server's own diagram (shown without script) has one box per
        // activity, with its name and type, and arrows labelled with their port.
        await Expect(page.Locator("#designer")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(page.Locator("#designer g.x6-node")).ToHaveCountAsync(3);
        await Expect(page.Locator("#designer g.x6-node[data-cell-id='notify']")).ToContainTextAsync("通知學校");
        var diagram = page.Locator("svg[role=img]");
        await Expect(diagram).ToBeAttachedAsync();
        await Expect(diagram.Locator("g.activity")).ToHaveCountAsync(3);
        await Expect(diagram.Locator("g[data-activity=notify]")).ToContainTextAsync("通知學校");
        await Expect(diagram.Locator("g[data-activity=notify]")).ToContainTextAsync("Elsa.WriteLine");
        await Expect(diagram.Locator("g.connection")).ToHaveCountAsync(2);
        await Expect(diagram.Locator("g.connection").First).ToContainTextAsync("Done");

        var editor = page.GetByLabel("第 1 版的定義");
        var original = await editor.InputValueAsync();
        Assert.Contains("\"已通知學校\"", original, StringComparison.Ordinal);

        // A broken edit: the error names the JSON path, and the activity it points at is marked on the diagram.
        await editor.FillAsync(original.Replace("\"Elsa.WriteLine\"", "\"Elsa.NoSuchActivity\"", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "檢查" }).ClickAsync();
        var errors = page.Locator("#definition-errors");
        await Expect(errors).ToContainTextAsync("$.root.activities[1].type");
        await Expect(errors.Locator("li[data-code='activity.unknown-type']")).ToContainTextAsync("「Elsa.NoSuchActivity」不是已知的活動類型（錯誤代碼 activity.unknown-type）");
        await Expect(diagram.Locator("g.activity.faulty")).ToHaveCountAsync(1);

        // Malformed JSON is refused before anything is saved, with the line it broke on.
        await editor.FillAsync(original.Replace("\"已通知學校\"", "\"已通知學校", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "儲存草稿" }).ClickAsync();
        await Expect(errors).ToContainTextAsync("JSON 格式有誤，尚未儲存");
        await Expect(errors.Locator("li[data-code='json.malformed']")).ToContainTextAsync(new Regex("JSON 格式有誤：第 \\d+ 行第 \\d+ 個字，字串中有未跳脫的字元"));
        await Expect(page.Locator("#versions tbody tr")).ToHaveCountAsync(1);

        // A valid edit of a literal becomes draft version 2.
        await editor.FillAsync(original.Replace("\"已通知學校\"", "\"已通知學校與校外會\"", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "儲存草稿" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("草稿已儲存");
        var versions = page.Locator("#versions tbody tr");
        await Expect(versions).ToHaveCountAsync(2);
        await Expect(versions.Nth(0)).ToContainTextAsync("第 2 版");
        await Expect(versions.Nth(0)).ToContainTextAsync("草稿");

        await DefinitionPageSteps.PublishAsync(page, 2);
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已發布");
        await Expect(versions.Nth(0)).ToContainTextAsync("發布中");
        await Expect(versions.Nth(1)).ToContainTextAsync("第 1 版");
        await Expect(versions.Nth(1)).ToContainTextAsync("曾發布，已由新版取代");
        await Expect(versions.Nth(0)).ToContainTextAsync(RocDateTime());

        var published = await host.Host.Http.GetFromJsonAsync<JsonObject>("/api/workflow-definitions/journey-demo?version=published");
        Assert.Equal(2, published!["version"]!.GetValue<int>());
        Assert.Equal("已通知學校與校外會", published["root"]!["activities"]![1]!["text"]!["expression"]!["value"]!.GetValue<string>());

        // Retracting stops new instances; publishing again brings version 2 back.
        await page.GetByRole(AriaRole.Button, new() { Name = "撤回發布" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "確定撤回發布" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已撤回發布");
        await Expect(versions.Nth(0)).ToContainTextAsync("已撤回");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await host.Host.Http.GetAsync("/api/workflow-definitions/journey-demo?version=published")).StatusCode);
        await DefinitionPageSteps.PublishAsync(page, 2);
        await Expect(versions.Nth(0)).ToContainTextAsync("發布中");

        // The two versions side by side: the changed literal is one line removed and one added.
        await page.GetByRole(AriaRole.Link, new() { Name = "比較第 1 版與第 2 版" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("比較第 1 版與第 2 版");
        await Expect(page.Locator("#diff tr.removed")).ToHaveCountAsync(1);
        await Expect(page.Locator("#diff tr.added")).ToHaveCountAsync(1);
        await Expect(page.Locator("#diff tr.added")).ToContainTextAsync("已通知學校與校外會");
    }

    [Fact]
    public async Task Publishing_a_draft_with_errors_is_refused_with_the_errors_listed()
    {
        var broken = new JsonObject
        {
            ["definitionId"] = "broken-draft",
            ["name"] = "有錯誤的草稿",
            ["root"] = new JsonObject
            {
                ["type"] = "Elsa.Flowchart",
                ["activities"] = new JsonArray(new JsonObject { ["id"] = "say", ["type"] = "Elsa.WriteLine" }),
            },
        };
        (await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions", broken)).EnsureSuccessStatusCode();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/admin/definitions/broken-draft");
        // The designer turns publish off while the validator reports errors, and says why.
        await Expect(page.Locator("#designer")).ToHaveAttributeAsync("data-errors", "1");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "發布第 1 版" })).ToBeDisabledAsync();
        await Expect(page.Locator("#publish-note")).ToContainTextAsync("還有 1 個驗證錯誤");
        await Expect(page.Locator("#designer [data-cell-id='say'] rect").First).ToHaveAttributeAsync("stroke", "#b3261e");

        // Without the page's script the form still posts, and the server refuses.
        await page.EvaluateAsync("document.getElementById('publish-button').disabled = false");
        await page.GetByRole(AriaRole.Button, new() { Name = "發布第 1 版" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("無法發布");
        await Expect(page.Locator("#definition-errors")).ToContainTextAsync("$.root.activities[0].text Elsa.WriteLine 活動必須設定輸入「text」（錯誤代碼 activity.input-missing）");
        await Expect(page.Locator("#versions tbody tr").First).ToContainTextAsync("草稿");
    }

    [Fact]
    public async Task Instances_page_lists_an_instance_shows_its_journal_in_roc_dates_and_cancels_it()
    {
        var started = await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions/tip-off-demo/execute", new { correlationId = "journey-case-1" });
        started.EnsureSuccessStatusCode();
        var instanceId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/admin/instances");
        await page.GetByLabel("工作流程定義").SelectOptionAsync("tip-off-demo");
        await page.GetByLabel("狀態").SelectOptionAsync("Suspended");
        await page.GetByLabel("關聯鍵").FillAsync("journey-case-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "套用篩選" }).ClickAsync();
        var rows = page.Locator("#instances tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync("等待中");
        await Expect(rows.First).ToContainTextAsync("藥頭情資通報（示範） 第 1 版");
        await rows.First.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(instanceId);
        await Expect(page.Locator("#variables")).ToContainTextAsync("urgent");
        await Expect(page.Locator("#bookmarks")).ToContainTextAsync("人工作業");
        await Expect(page.Locator("#bookmarks")).ToContainTextAsync("派出所受理通報");
        var journal = page.Locator("#journal tbody tr");
        await Expect(journal.First).ToContainTextAsync("開始執行");
        await Expect(page.Locator("#journal")).ToContainTextAsync("緊急：派出所須於 2 小時內確認");
        await Expect(journal.First.Locator("td").First).ToHaveTextAsync(RocDateTimeWithSeconds());

        await page.GetByLabel("取消原因").FillAsync("通報重複，改由另案處理");
        await page.GetByRole(AriaRole.Button, new() { Name = "取消這個執行個體" }).ClickAsync();
        // Nothing is cancelled before the administrator confirms, having read what it does.
        await Expect(page.Locator("#cancel-confirm")).ToContainTextAsync("確定要取消這個執行個體嗎？");
        await Expect(page.Locator("#cancel-confirm")).ToContainTextAsync("原因：通報重複，改由另案處理");
        await Expect(page.Locator("#instance-status")).Not.ToHaveTextAsync("已取消");
        await page.GetByRole(AriaRole.Button, new() { Name = "確定取消" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已取消這個執行個體");
        await Expect(page.Locator("#instance-status")).ToHaveTextAsync("已取消");
        await Expect(page.Locator("#journal")).ToContainTextAsync("通報重複，改由另案處理");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "取消這個執行個體" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Publish_is_reached_with_the_tab_key_and_activated_with_enter()
    {
        var draft = new JsonObject
        {
            ["definitionId"] = "keyboard-demo",
            ["name"] = "鍵盤操作",
            ["root"] = new JsonObject
            {
                ["type"] = "Elsa.Flowchart",
                ["activities"] = new JsonArray(new JsonObject
                {
                    ["id"] = "say",
                    ["type"] = "Elsa.WriteLine",
                    ["text"] = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = "只用鍵盤" } },
                }),
            },
        };
        (await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions", draft)).EnsureSuccessStatusCode();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/definitions/keyboard-demo");

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("跳到主要內容", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        var presses = 1;
        while (await page.EvaluateAsync<string>("document.activeElement.id") != "publish-button")
        {
            Assert.True(presses++ < 40, "the publish button was not reached within 40 presses of Tab");
            await page.Keyboard.PressAsync("Tab");
        }

        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已發布");
        await Expect(page.Locator("#versions tbody tr").First).ToContainTextAsync("發布中");
    }

    [GeneratedRegex(@"民國\d{2,3}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")]
    private static partial Regex RocDateTime();

    [GeneratedRegex(@"^民國\d{2,3}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2}$")]
    private static partial Regex RocDateTimeWithSeconds();
}
