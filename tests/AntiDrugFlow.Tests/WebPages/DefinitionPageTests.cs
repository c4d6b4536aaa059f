using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The definition page and the instance page in-process on a real database: every error and fault they
/// show is zh-TW, with its JSON path and code, including what the editor's form post refuses.
/// </summary>
public sealed partial class DefinitionPageTests : IAsyncLifetime
{
    private PageHost _pages = null!;

    public async Task InitializeAsync() => _pages = await PageHost.StartAsync();

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    [Fact]
    public async Task A_draft_with_errors_lists_each_with_its_path_code_and_a_message_that_is_not_only_ASCII()
    {
        var text = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Liquid", ["value"] = "{{ x }}" } };
        var draft = new Flow("page-errors")
            .Activity("start", "Elsa.Start")
            .Activity("odd", "Elsa.Teleport")
            .Activity("say", "Elsa.WriteLine")
            .Activity("liquid", "Elsa.WriteLine", ("text", text))
            .Activity("decide", "Elsa.FlowDecision", ("condition", Js("getLevel( <= 2")))
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitSome")))
            .Chain("start", "odd", "say", "liquid", "decide").Connect("decide", "join", "Maybe").Connect("decide", "ghost", "True")
            .Json();
        var saved = await _pages.Http.PostAsync("/api/workflow-definitions", new StringContent(draft, Encoding.UTF8, "application/json"));
        var expected = (await saved.Content.ReadFromJsonAsync<JsonObject>())!["validationErrors"]!.AsArray()
            .Select(e => (e!["path"]!.GetValue<string>(), e["code"]!.GetValue<string>(), e["message"]!.GetValue<string>())).ToList();

        var shown = ErrorsShown(await _pages.Http.GetStringAsync("/admin/definitions/page-errors"));

        Assert.True(expected.Count >= 7, $"only {expected.Count} errors");
        Assert.Equal(expected, shown);
        Assert.Contains(("$.root.activities[1].type", "activity.unknown-type", "「Elsa.Teleport」不是已知的活動類型"), shown);
        Assert.Contains(("$.root.connections[5].target", "connection.unknown-target", "連線的目標「ghost」不是此流程圖中的活動"), shown);
        Assert.All(shown, error => Assert.Matches(ChineseCharacter(), error.Message));
        Assert.DoesNotContain(shown, error => AsciiOnly().IsMatch(error.Message));
    }

    [Fact]
    public async Task Checking_malformed_JSON_in_the_editor_says_the_line_and_character_in_zh_TW()
    {
        await SaveDraftAsync("page-json");

        var html = await PostEditorAsync("page-json", "{\n  \"name\": \"通知學校\"\n  \"root\": {}\n}", "validate");

        Assert.Contains("JSON 格式有誤，尚未儲存。", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Equal([("$", "json.malformed", "JSON 格式有誤：第 3 行第 3 個字，值的後面出現「\"」，應為「,」、「}」或「]」")], ErrorsShown(html));
    }

    [Fact]
    public async Task Changing_the_definition_id_in_the_editor_is_refused_with_its_code()
    {
        await SaveDraftAsync("page-id");

        var html = await PostEditorAsync("page-id", new Flow("page-other").WriteLine("a", "a").Json(), "save");

        Assert.Contains("定義代碼不可變更，尚未儲存。", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Equal([("$.definitionId", "definition.id-changed", "定義代碼 definitionId 必須是「page-id」，不能改成「page-other」：代碼不同就是另一個定義")], ErrorsShown(html));
    }

    [Fact]
    public async Task The_instance_page_shows_a_fault_in_zh_TW_with_the_activity_and_the_path()
    {
        var definition = new Flow("page-fault").Activity("boom", "Elsa.WriteLine", ("text", Js("noSuchFunction()", "String"))).Json();
        (await _pages.Http.PostAsync("/api/workflow-definitions?publish=true", new StringContent(definition, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        var started = await (await _pages.Http.PostAsync("/api/workflow-definitions/page-fault/execute", null)).Content.ReadFromJsonAsync<JsonObject>();

        var html = WebUtility.HtmlDecode(await _pages.Http.GetStringAsync($"/admin/instances/{started!["id"]!.GetValue<string>()}"));

        Assert.Contains("<dd class=\"fault\">活動「boom」在 $.root.activities[0].text.expression 出錯：JavaScript 執行失敗：noSuchFunction is not defined</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<td>$.root.activities[0].text.expression：JavaScript 執行失敗：noSuchFunction is not defined</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_child_instance_names_its_parent_and_the_parent_lists_its_children_on_the_page_and_in_the_Elsa_API()
    {
        foreach (var definition in new[]
        {
            new Flow("page-child").WriteLine("say", "child").Json(),
            new Flow("page-parent")
                .Activity("run", "Elsa.ExecuteWorkflow", ("workflowDefinitionId", Literal("page-child")), ("waitForCompletion", Literal(true, "Boolean")))
                .Json(),
        })
        {
            (await _pages.Http.PostAsync("/api/workflow-definitions?publish=true", new StringContent(definition, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }

        var parentId = (await (await _pages.Http.PostAsync("/api/workflow-definitions/page-parent/execute", null)).Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var dispatcher = _pages.Factory.Services.GetRequiredService<AntiDrugFlow.Integrations.Outbox.OutboxDispatcher>();
        while (await dispatcher.DeliverDueAsync(CancellationToken.None) > 0)
        {
        }

        var parentPage = WebUtility.HtmlDecode(await _pages.Http.GetStringAsync($"/admin/instances/{parentId}"));
        var childId = ChildLink().Match(parentPage).Groups["id"].Value;
        var childPage = WebUtility.HtmlDecode(await _pages.Http.GetStringAsync($"/admin/instances/{childId}"));
        var elsaChild = (await _pages.Http.GetFromJsonAsync<JsonObject>($"/elsa/api/workflow-instances/{childId}"))!;
        var elsaParent = (await _pages.Http.GetFromJsonAsync<JsonObject>($"/elsa/api/workflow-instances/{parentId}"))!;

        Assert.Contains("<h2 id=\"children-heading\">子流程</h2>", parentPage, StringComparison.Ordinal);
        Assert.Contains("<code>page-child</code> 第 1 版", parentPage, StringComparison.Ordinal);
        Assert.Contains($"<dd id=\"parent-instance\"><a href=\"/admin/instances/{parentId}\"><code>{parentId}</code></a>（由活動 <code>run</code> 啟動）</dd>", childPage, StringComparison.Ordinal);
        Assert.DoesNotContain("parent-instance", parentPage, StringComparison.Ordinal);
        Assert.Equal(parentId, elsaChild["parentWorkflowInstanceId"]!.GetValue<string>());
        Assert.Equal(parentId, elsaChild["workflowState"]!["parentWorkflowInstanceId"]!.GetValue<string>());
        Assert.Null(elsaParent["parentWorkflowInstanceId"]);
        Assert.Equal("Finished", elsaParent["subStatus"]!.GetValue<string>());
    }

    [GeneratedRegex("<table class=\"data\" id=\"children\">.*?<a href=\"/admin/instances/(?<id>[0-9a-f]+)\">", RegexOptions.Singleline)]
    private static partial Regex ChildLink();

    private async Task SaveDraftAsync(string definitionId) =>
        (await _pages.Http.PostAsync("/api/workflow-definitions", new StringContent(new Flow(definitionId).WriteLine("a", "a").Json(), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

    /// <summary>Posts the editor's form as a browser would: its hidden fields (form name, antiforgery token) with the text and the button pressed.</summary>
    private async Task<string> PostEditorAsync(string definitionId, string json, string intent)
    {
        var address = $"/admin/definitions/{definitionId}";
        var page = await _pages.Http.GetStringAsync(address);
        var form = EditorForm().Match(page);
        Assert.True(form.Success, "the page has no editor form");
        var fields = HiddenField().Matches(form.Value).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["Json"] = json;
        fields["Intent"] = intent;

        var response = await _pages.Http.PostAsync(address, new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static List<(string Path, string Code, string Message)> ErrorsShown(string html) =>
        [.. ErrorItem().Matches(html).Select(m => (WebUtility.HtmlDecode(m.Groups["path"].Value), m.Groups["code"].Value, WebUtility.HtmlDecode(m.Groups["message"].Value)))];

    [GeneratedRegex("""<li data-code="(?<code>[^"]+)"><code class="json-path">(?<path>.*?)</code> <span class="error-message">(?<message>.*?)</span>""")]
    private static partial Regex ErrorItem();

    [GeneratedRegex("""<form[^>]*class="editor"[^>]*>.*?</form>""", RegexOptions.Singleline)]
    private static partial Regex EditorForm();

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]*)"\s*/?>""")]
    private static partial Regex HiddenField();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex ChineseCharacter();

    [GeneratedRegex("^[A-Za-z0-9 .,:;'\"()\\[\\]$_<>=/-]*$")]
    private static partial Regex AsciiOnly();
}
