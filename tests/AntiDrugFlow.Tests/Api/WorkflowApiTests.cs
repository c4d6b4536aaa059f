using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Api;

/// <summary>The Elsa-shaped HTTP API on a real PostgreSQL: definitions, instances, events, tasks, problem details.</summary>
public sealed class WorkflowApiTests : IAsyncLifetime
{
    private ApiFactory _factory = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _factory = await ApiFactory.CreateAsync();
        _http = _factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task A_definition_is_created_as_a_draft_published_versioned_exported_and_retracted()
    {
        var created = await _http.PostAsync("/api/workflow-definitions", Json(new Flow("api-def").WriteLine("a", "v1").Json()));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False((await Body(created))["version"]!["isPublished"]!.GetValue<bool>());

        var published = await _http.PostAsync("/api/workflow-definitions/api-def/publish", null);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        var update = await _http.PutAsync("/api/workflow-definitions/api-def", Json(new Flow("api-def").WriteLine("a", "v2").Json()));
        Assert.Equal(2, (await Body(update))["version"]!["version"]!.GetValue<int>());
        await _http.PostAsync("/api/workflow-definitions/api-def/publish", null);

        var versions = (await Body(await _http.GetAsync("/api/workflow-definitions/api-def/versions"))).AsArray();
        Assert.Equal([2, 1], versions.Select(v => v!["version"]!.GetValue<int>()));
        var export = await Body(await _http.GetAsync("/api/workflow-definitions/api-def/export?version=1"));
        Assert.Equal("v1", export["root"]!["activities"]![0]!["text"]!["expression"]!["value"]!.GetValue<string>());
        Assert.False(export["isPublished"]!.GetValue<bool>());
        Assert.Equal(0, export["root"]!["activities"]![0]!["metadata"]!["designer"]!["position"]!["x"]!.GetValue<int>());
        var list = (await Body(await _http.GetAsync("/api/workflow-definitions"))).AsArray();
        Assert.Contains(list, d => d!["definitionId"]!.GetValue<string>() == "api-def" && d["publishedVersion"]!.GetValue<int>() == 2);

        Assert.Equal(HttpStatusCode.NoContent, (await _http.PostAsync("/api/workflow-definitions/api-def/retract", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/workflow-definitions/api-def?version=published")).StatusCode);
    }

    [Fact]
    public async Task Publishing_an_invalid_definition_gives_problem_details_with_paths_codes_and_zh_TW_messages()
    {
        var response = await _http.PostAsync("/api/workflow-definitions?publish=true", Json(new Flow("api-bad").Activity("w", "Elsa.WriteLine").WriteLine("w", "dup").Json()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await Body(response);
        Assert.Equal("工作流程定義有誤", problem["title"]!.GetValue<string>());
        var errors = problem["errors"]!.AsObject();
        Assert.Equal("Elsa.WriteLine 活動必須設定輸入「text」", errors["$.root.activities[0].text"]![0]!.GetValue<string>());
        Assert.Equal("活動代碼「w」重複：第一次用在 $.root.activities[0]", errors["$.root.activities[1].id"]![0]!.GetValue<string>());
        Assert.Equal(
            [
                ("$.root.activities[0].text", "activity.input-missing", "Elsa.WriteLine 活動必須設定輸入「text」"),
                ("$.root.activities[1].id", "activity.duplicate-id", "活動代碼「w」重複：第一次用在 $.root.activities[0]"),
            ],
            ValidationErrors(problem).Order());
    }

    [Fact]
    public async Task Publishing_a_stored_draft_with_errors_answers_with_the_codes_too()
    {
        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsync("/api/workflow-definitions", Json(new Flow("api-bad-draft").WriteLine("a", "a").Connect("a", "ghost").Json()))).StatusCode);

        var response = await _http.PostAsync("/api/workflow-definitions/api-bad-draft/publish", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Body(response);
        Assert.Equal("工作流程定義有 1 個錯誤。", problem["detail"]!.GetValue<string>());
        Assert.Equal([("$.root.connections[0].target", "connection.unknown-target", "連線的目標「ghost」不是此流程圖中的活動")], ValidationErrors(problem));
        Assert.Equal("連線的目標「ghost」不是此流程圖中的活動", problem["errors"]!["$.root.connections[0].target"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Validate_and_a_saved_draft_list_each_error_with_its_code()
    {
        var document = new Flow("api-validate").Activity("d", "Elsa.FlowDecision", ("condition", Js("getLevel( <= 2"))).Json();

        var validated = (await Body(await _http.PostAsync("/api/workflow-definitions/validate", Json(document)))).AsArray();
        var saved = await Body(await _http.PostAsync("/api/workflow-definitions", Json(document)));

        var expected = ("$.root.activities[0].condition.expression.value", "expression.javascript-syntax", "JavaScript 語法錯誤：第 1 行第 11 欄，Unexpected token '<='");
        Assert.Equal([expected], validated.Select(Triple));
        Assert.Equal([expected], saved["validationErrors"]!.AsArray().Select(Triple));
    }

    [Fact]
    public async Task A_body_whose_definitionId_differs_from_the_address_is_refused_with_its_code()
    {
        var response = await _http.PutAsync("/api/workflow-definitions/api-address", Json(new Flow("api-body").WriteLine("a", "a").Json()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            [("$.definitionId", "definition.id-changed", "定義代碼 definitionId 必須是「api-address」，不能改成「api-body」：代碼不同就是另一個定義")],
            ValidationErrors(await Body(response)));
    }

    [Fact]
    public async Task A_malformed_body_is_a_zh_TW_problem_that_says_the_line_and_the_character()
    {
        var response = await _http.PostAsync("/api/workflow-definitions", Json("{\n  \"definitionId\": \"通知\"\n  \"name\": \"x\"\n}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Body(response);
        Assert.Equal("請求內容有誤", problem["title"]!.GetValue<string>());
        Assert.Equal([("$", "json.malformed", "JSON 格式有誤：第 3 行第 3 個字，值的後面出現「\"」，應為「,」、「}」或「]」")], ValidationErrors(problem));
    }

    [Theory]
    [InlineData("/api/workflow-definitions", "{\"definitionId\": ", "$")]
    [InlineData("/api/workflow-definitions/import", "[1,2]", "$")]
    [InlineData("/api/workflow-definitions/api-none/execute", "{\"input\": 5}", "$.input")]
    [InlineData("/api/events/x/trigger", "{\"correlationId\": 12}", "$.correlationId")]
    public async Task Malformed_bodies_get_a_400_that_names_the_field(string url, string body, string field)
    {
        var response = await _http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey(field));
    }

    [Theory]
    [InlineData("/api/workflow-instances?status=Sleeping", "status")]
    [InlineData("/api/workflow-instances?pageSize=0", "pageSize")]
    [InlineData("/api/tasks?status=Done", "status")]
    [InlineData("/api/workflow-definitions/x?version=newest", "version")]
    public async Task Bad_query_values_get_a_400_that_names_the_parameter(string url, string field)
    {
        var response = await _http.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response))["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task Starting_an_unknown_definition_is_a_404_problem_not_a_500()
    {
        var response = await _http.PostAsync("/api/workflow-definitions/nothing-here/execute", Json("{}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task An_instance_waits_on_a_task_that_the_tasks_API_completes_and_the_journal_shows_it()
    {
        await Publish(new Flow("api-task")
            .Variable("answer", "Object")
            .Activity("task", "Elsa.RunTask", ("taskName", Literal("確認收到")), ("result", new JsonObject { ["memoryReference"] = new JsonObject { ["id"] = "answer" } }))
            .Activity("print", "Elsa.WriteLine", ("text", Js("'outcome ' + getAnswer().outcome")))
            .Chain("task", "print").Json());
        var started = await Body(await _http.PostAsync("/api/workflow-definitions/api-task/execute", Json("{\"correlationId\":\"case-77\"}")));
        var instanceId = started["id"]!.GetValue<string>();
        Assert.Equal("Suspended", started["status"]!.GetValue<string>());

        var tasks = (await Body(await _http.GetAsync($"/api/tasks?status=Pending&instanceId={instanceId}"))).AsArray();
        var taskId = Assert.Single(tasks)!["id"]!.GetValue<string>();
        var completed = await _http.PostAsync($"/api/tasks/{taskId}/complete", Json("{\"result\":{\"outcome\":\"受理\"}}"));
        var again = await _http.PostAsync($"/api/tasks/{taskId}/complete", Json("{}"));

        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal("Finished", (await Body(completed))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsync("/api/tasks/no-such-task/complete", Json("{}"))).StatusCode);
        var journal = (await Body(await _http.GetAsync($"/api/workflow-instances/{instanceId}/journal"))).AsArray();
        Assert.Contains(journal, j => j!["event"]!.GetValue<string>() == "WriteLine" && j["message"]!.GetValue<string>() == "outcome 受理");
        var byCorrelation = (await Body(await _http.GetAsync("/api/workflow-instances?correlationId=case-77&status=Finished"))).AsArray();
        Assert.Equal(instanceId, Assert.Single(byCorrelation)!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Triggering_an_event_resumes_the_waiting_instance_with_that_correlation_id()
    {
        await Publish(new Flow("api-event").Activity("wait", "Elsa.Event", ("eventName", Literal("police-ack"))).WriteLine("after", "acked").Chain("wait", "after").Json());
        var a = (await Body(await _http.PostAsync("/api/workflow-definitions/api-event/execute", Json("{\"correlationId\":\"A\"}"))))["id"]!.GetValue<string>();
        var b = (await Body(await _http.PostAsync("/api/workflow-definitions/api-event/execute", Json("{\"correlationId\":\"B\"}"))))["id"]!.GetValue<string>();

        var triggered = await Body(await _http.PostAsync("/api/events/police-ack/trigger", Json("{\"correlationId\":\"B\"}")));

        Assert.Equal([b], triggered["resumedInstances"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("Suspended", (await Body(await _http.GetAsync($"/api/workflow-instances/{a}")))["status"]!.GetValue<string>());
        Assert.Equal("Finished", (await Body(await _http.GetAsync($"/api/workflow-instances/{b}")))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_instance_can_be_cancelled_once_and_unknown_ones_are_404()
    {
        await Publish(new Flow("api-cancel").Activity("wait", "Elsa.Event", ("eventName", Literal("never"))).Json());
        var id = (await Body(await _http.PostAsync("/api/workflow-definitions/api-cancel/execute", Json("{}"))))["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.NoContent, (await _http.PostAsync($"/api/workflow-instances/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync($"/api/workflow-instances/{id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsync("/api/workflow-instances/nope/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/workflow-instances/nope")).StatusCode);
        Assert.Equal("Cancelled", (await Body(await _http.GetAsync($"/api/workflow-instances/{id}")))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dispatch_accepts_an_instance_at_once_for_a_runner_to_run()
    {
        await Publish(new Flow("api-dispatch").WriteLine("a", "ran").Json());

        var response = await _http.PostAsync("/api/workflow-definitions/api-dispatch/dispatch", Json("{\"input\":{\"x\":1}}"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await Body(response))["id"]!.GetValue<string>();
        Assert.Equal("Running", (await Body(await _http.GetAsync($"/api/workflow-instances/{id}")))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Import_publishes_a_definition_and_the_OpenAPI_document_lists_the_endpoints()
    {
        var imported = await _http.PostAsync("/api/workflow-definitions/import", Json(new Flow("api-import").WriteLine("a", "a").Json()));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.True((await Body(imported))["isPublished"]!.GetValue<bool>());

        var openApi = await Body(await _http.GetAsync("/openapi/v1.json"));
        var paths = openApi["paths"]!.AsObject();
        foreach (var path in new[] { "/api/workflow-definitions", "/api/workflow-definitions/{definitionId}/publish", "/api/workflow-instances/{id}/journal", "/api/events/{eventName}/trigger", "/api/tasks/{taskId}/complete" })
        {
            Assert.True(paths.ContainsKey(path), path);
        }
    }

    private async Task Publish(string json)
    {
        var response = await _http.PostAsync("/api/workflow-definitions?publish=true", Json(json));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static List<(string Path, string Code, string Message)> ValidationErrors(JsonNode problem) =>
        [.. problem["validationErrors"]!.AsArray().Select(Triple)];

    private static (string Path, string Code, string Message) Triple(JsonNode? error) =>
        (error!["path"]!.GetValue<string>(), error["code"]!.GetValue<string>(), error["message"]!.GetValue<string>());

    private static async Task<JsonNode> Body(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonNode>())!;
}
