using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Operations;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Operations;
using Microsoft.Playwright;
using Npgsql;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>Pictures of the main pages for docs/screenshots, so a reader sees the product before running it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(BrowserHost host)
{
    private static string Folder => Path.Combine(BrowserHost.Repository, "docs", "screenshots");

    [Fact]
    public async Task Main_pages_are_captured_in_traditional_chinese_with_every_field_labelled()
    {
        await PrepareAsync();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        Directory.CreateDirectory(Folder);

        var pages = new (string File, string Address, string Heading)[]
        {
            ("home.png", "/", "反毒通報流程系統"),
            ("definitions.png", "/admin/definitions", "工作流程定義"),
            ("definition.png", "/admin/definitions/tip-off-demo", "藥頭情資通報（示範）"),
            ("definition-tip-off-chain.png", "/admin/definitions/tip-off-chain?diagram=fit", "三級聯繫：學校通報警方"),
            ("definition-compare.png", "/admin/definitions/tip-off-demo/compare?from=1&to=2", "比較第 1 版與第 2 版"),
            ("definition-errors.png", await DraftWithErrorsAddressAsync(), "通報校外會（有錯誤的草稿）"),
            ("instances.png", "/admin/instances", "執行個體"),
            ("instance.png", await InstanceAddressAsync(), "執行個體"),
            ("dead-letters.png", await DeadLetterAddressAsync(), "無法投遞的訊息"),
        };
        foreach (var (file, address, heading) in pages)
        {
            await page.GotoAsync(address);
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hant-TW");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(heading);
            var unlabelled = await page.EvaluateAsync<string[]>(
                "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)");
            Assert.True(unlabelled.Length == 0, $"{address} has fields without a label: {string.Join(", ", unlabelled)}");

            var path = Path.Combine(Folder, file);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            Assert.True(new FileInfo(path).Length > 10_000, $"{file} looks empty");
        }
    }

    [Fact]
    public async Task Operation_pages_are_captured_while_an_import_runs_and_when_one_is_refused()
    {
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        Directory.CreateDirectory(Folder);

        // An import halfway through its relations, held open by this test as a host would hold it.
        await using var dataSource = NpgsqlDataSource.Create(host.ConnectionString);
        var store = new PostgresOperationStore(dataSource);
        await using var running = await store.BeginAsync(
            new OperationStart(AgencyDirectoryImport.Kind, "匯入機關名錄（新增或更新：national.json、county-keelung.json、county-chiayi-city.json）", "admin-demo", "moe-sse"),
            DateTimeOffset.UtcNow, OperationRunner.FirstStage, CancellationToken.None);
        await running.WriteProgressAsync(AgencyDirectoryValidator.RelationsStage, 183, 275, DateTimeOffset.UtcNow, CancellationToken.None);

        // A running operation's page reloads itself every second (a meta refresh; its own test is OperationPagesTests),
        // and a reload racing the browser's next step aborted that step or left it waiting: the operation pages are read
        // with reloading stopped, which shows the same progress.
        var refused = await RefusedImportAddressAsync();
        var pages = new (string File, string Address, string Heading)[]
        {
            ("operation-running.png", $"/admin/operations/{running.Id}?refresh=off", "匯入機關名錄"),
            ("operation-import-refused.png", refused + "?refresh=off", "匯入機關名錄"),
            ("operations.png", "/admin/operations", "背景作業"),
            ("agencies.png", "/admin/agencies?county=TW-KEE&kind=PolicePrecinct", "機關名錄"),
        };
        foreach (var (file, address, heading) in pages)
        {
            await page.GotoAsync(address);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(heading);
            var unlabelled = await page.EvaluateAsync<string[]>(
                "[...document.querySelectorAll('input:not([type=hidden]), select, textarea, progress')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)");
            Assert.True(unlabelled.Length == 0, $"{address} has fields without a label: {string.Join(", ", unlabelled)}");

            var path = Path.Combine(Folder, file);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            Assert.True(new FileInfo(path).Length > 10_000, $"{file} looks empty");
        }

        await page.GotoAsync("/admin/operations");
        await Expect(page.Locator("#operations tbody tr").Filter(new() { HasText = "county-chiayi-city.json" })).ToContainTextAsync("執行中");
        await page.GotoAsync($"/admin/operations/{running.Id}?refresh=off");
        await Expect(page.Locator("#operation-counts")).ToHaveTextAsync("已處理 183／275 筆（66%）");
        await running.FinishAsync(OperationStatus.Succeeded, AgencyDirectoryImport.SaveStage, 1, 1, new OperationResult("（示範畫面，未變更名錄）"), null, DateTimeOffset.UtcNow, CancellationToken.None);
    }

    /// <summary>An import of a file with a few mistakes, through the API, until it is refused.</summary>
    private async Task<string> RefusedImportAddressAsync()
    {
        var csv = string.Join('\n',
            "id,name,kind,level,county,parent,emails,policeStation",
            "kee-sch-demo-a,基隆市立示範國民中學,School,3,TW-KEE,kee-gov,kee-sch-demo-a@agencies.invalid,kee-p1-no-such-station",
            "kee-sch-demo-b,基隆市立示範高級中學,School,2,TW-KEE,kee-gov,,kee-p1-zhong-er-rd",
            "kee-sch-demo-c,基隆市立示範國民小學,School,3,基隆縣,kee-gov,not-an-address,kee-p1-zhong-er-rd");
        var form = new MultipartFormDataContent { { new StringContent("merge"), "mode" }, { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(csv)), "files", "keelung-schools.csv" } };
        var response = await host.Host.Http.PostAsync("/api/agencies/import", form);
        response.EnsureSuccessStatusCode();
        var operation = await host.Host.Http.WaitForEndAsync(response.Headers.Location!.ToString());
        Assert.Equal("Failed", operation["status"]!.GetValue<string>());
        return $"/admin/operations/{operation["id"]!.GetValue<long>()}";
    }

    /// <summary>A second version to compare, and a waiting instance with a journal to show.</summary>
    private async Task PrepareAsync()
    {
        var versions = await host.Host.Http.GetFromJsonAsync<JsonArray>("/api/workflow-definitions/tip-off-demo/versions");
        if (versions!.Count > 1)
        {
            return;
        }

        var latest = await host.Host.Http.GetFromJsonAsync<JsonObject>("/api/workflow-definitions/tip-off-demo");
        var activities = latest!["root"]!["activities"]!.AsArray();
        activities[3]!["text"]!["expression"]!["value"] = "緊急：派出所須於 1 小時內確認";
        activities.Add(new JsonObject
        {
            ["id"] = "report",
            ["type"] = "Elsa.RunTask",
            ["version"] = 1,
            ["name"] = "回報處理結果",
            ["taskName"] = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = "派出所回報處理結果" } },
        });
        var connections = latest["root"]!["connections"]!.AsArray();
        connections[^1]!["target"]!["activity"] = "report";
        connections.Add(new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = "report", ["port"] = "Done" },
            ["target"] = new JsonObject { ["activity"] = "done", ["port"] = "In" },
        });
        (await host.Host.Http.PutAsJsonAsync("/api/workflow-definitions/tip-off-demo", latest)).EnsureSuccessStatusCode();
    }

    /// <summary>A draft with a few mistakes an administrator makes, so the picture shows the error list with paths and codes.</summary>
    private async Task<string> DraftWithErrorsAddressAsync()
    {
        var draft = new JsonObject
        {
            ["definitionId"] = "screenshot-errors",
            ["name"] = "通報校外會（有錯誤的草稿）",
            ["root"] = new JsonObject
            {
                ["type"] = "Elsa.Flowchart",
                ["activities"] = new JsonArray(
                    new JsonObject { ["id"] = "start", ["type"] = "Elsa.Start" },
                    new JsonObject { ["id"] = "notify", ["type"] = "Elsa.SendMail", ["name"] = "通知校外會" },
                    new JsonObject { ["id"] = "ask", ["type"] = "Elsa.RunTask", ["name"] = "校外會確認" },
                    new JsonObject
                    {
                        ["id"] = "urgent",
                        ["type"] = "Elsa.FlowDecision",
                        ["name"] = "是否緊急",
                        ["condition"] = new JsonObject { ["typeName"] = "Boolean", ["expression"] = new JsonObject { ["type"] = "JavaScript", ["value"] = "getUrgent( == true" } },
                    }),
                ["connections"] = new JsonArray(
                    Connection("start", "Done", "notify"),
                    Connection("notify", "Done", "ask"),
                    Connection("ask", "Done", "urgent"),
                    Connection("urgent", "Yes", "escalate")),
            },
        };
        (await host.Host.Http.PutAsJsonAsync("/api/workflow-definitions/screenshot-errors", draft)).EnsureSuccessStatusCode();
        return "/admin/definitions/screenshot-errors";

        static JsonObject Connection(string source, string port, string target) => new()
        {
            ["source"] = new JsonObject { ["activity"] = source, ["port"] = port },
            ["target"] = new JsonObject { ["activity"] = target, ["port"] = "In" },
        };
    }

    private async Task<string> DeadLetterAddressAsync()
    {
        await host.AddDeadLetterAsync("email", """{"to":["liaison@example.org"],"subject":"藥頭情資通報"}""", "SMTP 550 5.1.1 mailbox unavailable");
        return "/admin/dead-letters";
    }

    private async Task<string> InstanceAddressAsync()
    {
        var started = await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions/tip-off-demo/execute", new { correlationId = "screenshot-case" });
        started.EnsureSuccessStatusCode();
        return "/admin/instances/" + (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
    }
}
