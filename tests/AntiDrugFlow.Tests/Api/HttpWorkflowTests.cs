using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Api;

/// <summary>Elsa.HttpEndpoint and Elsa.WriteHttpResponse through the host, with login required as in production.</summary>
public sealed class HttpWorkflowTests : IAsyncLifetime
{
    private ApiFactory _factory = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var folder = Directory.CreateTempSubdirectory("adf-http-").FullName;
        _factory = new ApiFactory(await TestPostgres.CreateDatabaseAsync(migrate: false), folder, new Dictionary<string, string> { ["Security:RequireLogin"] = "true" });
        _http = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    private Task PublishAsync(Flow flow) =>
        _factory.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(flow.Build(), CancellationToken.None);

    private static (string, JsonNode?) Output(string output, string variable) => (output, new JsonObject { ["memoryReference"] = new JsonObject { ["id"] = variable } });

    private static Flow Endpoint(Flow flow, string id, string path, string methods, bool allowAnonymous, params (string, JsonNode?)[] outputs) =>
        flow.Activity(id, "Elsa.HttpEndpoint", [("path", Literal(path)), ("supportedMethods", ObjectExpr(methods)), ("allowAnonymous", Literal(allowAnonymous, "Boolean")), .. outputs]);

    [Fact]
    public async Task An_endpoint_marked_canStartWorkflow_starts_instances_wherever_it_is_and_one_marked_false_does_not()
    {
        // As in Elsa: canStartWorkflow decides. The trigger here is not the start activity; the start activity is an
        // endpoint that says it starts nothing, so a request to it finds no instance waiting.
        var flow = Endpoint(new Flow("http-can-start"), "inbox", "hooks/inbox", "[\"GET\"]", allowAnonymous: true)
            .Activity("inbox-answer", "Elsa.WriteHttpResponse", ("statusCode", Literal(200, "Int32")), ("content", Literal("inbox")))
            .Chain("inbox", "inbox-answer");
        flow = Endpoint(flow, "ping", "hooks/ping", "[\"GET\"]", allowAnonymous: true)
            .Activity("pong", "Elsa.WriteHttpResponse", ("statusCode", Literal(200, "Int32")), ("content", Literal("pong")))
            .Connect("ping", "pong")
            .CanStartWorkflow("ping");
        flow.CustomProperty("inbox", "canStartWorkflow", false);
        await PublishAsync(flow);

        Assert.Equal("pong", await _http.GetStringAsync("/workflows/hooks/ping"));
        var refused = await _http.GetAsync("/workflows/hooks/inbox");
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task A_GET_workflow_answers_with_a_body_built_from_a_route_value()
    {
        var flow = Endpoint(new Flow("http-get").Variable("route", "Object"), "request", "orders/{id}", "[\"GET\"]", allowAnonymous: true, Output("routeData", "route"))
            .Activity("answer", "Elsa.WriteHttpResponse", ("statusCode", Literal(200, "Int32")), ("content", Js("'訂單 ' + getVariable('route').id", "String")))
            .Chain("request", "answer");
        await PublishAsync(flow);

        var response = await _http.GetAsync("/workflows/orders/42");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("訂單 42", await response.Content.ReadAsStringAsync());
        Assert.Equal("訂單 7", await _http.GetStringAsync("/workflows/orders/7"));
    }

    [Fact]
    public async Task A_POST_workflow_reads_the_JSON_body_and_answers_with_JSON_and_the_status_it_chose()
    {
        var flow = Endpoint(new Flow("http-post").Variable("order", "Object"), "request", "orders", "[\"POST\"]", allowAnonymous: true, Output("parsedContent", "order"))
            .Activity("answer", "Elsa.WriteHttpResponse", ("statusCode", Literal("Created")), ("content", Js("({ item: getVariable('order').item, total: getVariable('order').quantity * 3 })")),
                ("responseHeaders", ObjectExpr("{\"X-Order\": \"accepted\"}")))
            .Chain("request", "answer");
        await PublishAsync(flow);

        var response = await _http.PostAsync("/workflows/orders", new StringContent("{\"item\":\"尿液檢驗\",\"quantity\":4}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("accepted", response.Headers.GetValues("X-Order").Single());
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("尿液檢驗", body["item"]!.GetValue<string>());
        Assert.Equal(12, body["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _http.GetAsync("/workflows/orders")).StatusCode);
    }

    [Fact]
    public async Task A_foreign_origin_is_refused_only_on_a_call_carrying_the_session_cookie_and_any_content_type_is_taken()
    {
        var flow = Endpoint(new Flow("http-hook").Variable("body", "Object"), "request", "hooks/in", "[\"POST\"]", allowAnonymous: true, Output("parsedContent", "body"))
            .Activity("answer", "Elsa.WriteHttpResponse", ("statusCode", Literal(200, "Int32")), ("content", Js("'收到 ' + getVariable('body')", "String")))
            .Chain("request", "answer");
        await PublishAsync(flow);

        HttpRequestMessage Post(string? cookie)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/workflows/hooks/in") { Content = new StringContent("ping", Encoding.UTF8, "text/plain") };
            request.Headers.Add("Origin", "https://evil.example");
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", cookie);
            }

            return request;
        }

        using var riding = Post("AntiDrugFlow.Session=copied");
        var refused = await _http.SendAsync(riding);
        using var system = Post(null);
        var taken = await _http.SendAsync(system);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("來源網站不符", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["title"]!.GetValue<string>());
        // Another system's call (no session) with a text body: the endpoint decides, here it answers.
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal("收到 ping", await taken.Content.ReadAsStringAsync());
        Assert.Single(await _factory.Services.GetRequiredService<PostgresInstanceStore>().ListInstancesAsync(new InstanceFilter(DefinitionId: "http-hook"), CancellationToken.None));
    }

    [Fact]
    public async Task Text_the_database_cannot_store_is_a_400_on_a_workflow_endpoint_and_starts_nothing()
    {
        await PublishAsync(Endpoint(new Flow("http-text"), "request", "texts", "[\"POST\"]", allowAnonymous: true).WriteLine("after", "ran").Chain("request", "after"));

        var json = await _http.PostAsync("/workflows/texts", new StringContent("{\"note\":\"a\\u0000b\"}", Encoding.UTF8, "application/json"));
        var text = await _http.PostAsync("/workflows/texts", new StringContent("a\0b", Encoding.UTF8, "text/plain"));
        var form = await _http.PostAsync("/workflows/texts", new StringContent("note=a%00b", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.NotNull((await json.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["$.note"]);
        Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.Empty(await _factory.Services.GetRequiredService<PostgresInstanceStore>().ListInstancesAsync(new InstanceFilter(DefinitionId: "http-text"), CancellationToken.None));
    }

    [Fact]
    public async Task An_anonymous_request_is_refused_unless_the_definition_allows_anonymous_calls()
    {
        await PublishAsync(Endpoint(new Flow("http-closed"), "request", "closed", "[\"GET\"]", allowAnonymous: false).WriteLine("after", "ran").Chain("request", "after"));
        await PublishAsync(Endpoint(new Flow("http-open"), "request", "open", "[\"GET\"]", allowAnonymous: true).WriteLine("after", "ran").Chain("request", "after"));

        var refused = await _http.GetAsync("/workflows/closed");
        var admitted = await _http.GetAsync("/workflows/open");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, admitted.StatusCode);
        var instanceId = (await admitted.Content.ReadFromJsonAsync<JsonObject>())!["workflowInstanceId"]!.GetValue<string>();
        var instance = await _factory.Services.GetRequiredService<PostgresInstanceStore>().GetAsync(instanceId, CancellationToken.None);
        Assert.Equal("http-open", instance!.DefinitionId);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task A_path_no_published_definition_listens_on_is_not_found()
    {
        await PublishAsync(Endpoint(new Flow("http-known"), "request", "known/{id}", "[\"GET\"]", allowAnonymous: true).WriteLine("after", "ran").Chain("request", "after"));

        var response = await _http.GetAsync("/workflows/unknown/1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/workflows/known/1/extra")).StatusCode);
    }

    [Fact]
    public async Task An_endpoint_inside_a_flow_waits_durably_and_the_request_with_the_instances_correlation_id_resumes_it_once()
    {
        var flow = Endpoint(new Flow("http-confirm").Variable("confirmation", "Object"), "report", "reports", "[\"POST\"]", allowAnonymous: true)
            .Activity("received", "Elsa.WriteHttpResponse", ("statusCode", Literal(201, "Int32")), ("content", Js("'已收到 ' + getCorrelationId()", "String")));
        flow = Endpoint(flow, "confirm", "reports/{correlationId}/confirm", "[\"POST\"]", allowAnonymous: true, Output("parsedContent", "confirmation"))
            .Activity("confirmed", "Elsa.WriteHttpResponse", ("content", Js("'確認人 ' + getVariable('confirmation').by", "String")))
            .Chain("report", "received", "confirm", "confirmed");
        await PublishAsync(flow);

        var first = new HttpRequestMessage(HttpMethod.Post, "/workflows/reports") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        first.Headers.Add("X-Correlation-Id", "r-1");
        var received = await _http.SendAsync(first);
        var other = new HttpRequestMessage(HttpMethod.Post, "/workflows/reports") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        other.Headers.Add("X-Correlation-Id", "r-2");
        await _http.SendAsync(other);

        Assert.Equal(HttpStatusCode.Created, received.StatusCode);
        Assert.Equal("已收到 r-1", await received.Content.ReadAsStringAsync());
        var confirmed = await _http.PostAsync("/workflows/reports/r-1/confirm", new StringContent("{\"by\":\"承辦人\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("確認人 承辦人", await confirmed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsync("/workflows/reports/r-1/confirm", new StringContent("{\"by\":\"x\"}", Encoding.UTF8, "application/json"))).StatusCode);
        var waiting = await _factory.Services.GetRequiredService<PostgresInstanceStore>().FindEventBookmarksAsync("http:reports/{correlationid}/confirm", "r-2", CancellationToken.None);
        Assert.Single(waiting);
    }
}
