using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Email;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Outbox;

/// <summary>The host as a real process: killed mid-delivery, administered over HTTP, called back by an agency.</summary>
public sealed class HostProcessTests
{
    private static readonly Dictionary<string, string> FastOutbox = new()
    {
        ["Outbox__PollInterval"] = "00:00:00.100",
        ["Outbox__Lease"] = "00:00:06",
        ["Outbox__MessageTimeout"] = "00:00:05",
        ["Outbox__FirstRetryDelay"] = "00:00:00.500",
    };

    private static Dictionary<string, string> With(params (string Key, string Value)[] entries)
    {
        var environment = new Dictionary<string, string>(FastOutbox);
        foreach (var (key, value) in entries)
        {
            environment[key] = value;
        }

        return environment;
    }

    private static async Task<string> ExecuteAsync(HostProcess host, string definitionId)
    {
        using var response = await host.Http.PostAsync($"/api/workflow-definitions/{definitionId}/execute", null);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    [Fact]
    public async Task A_host_killed_between_commit_and_delivery_leaves_the_message_to_the_next_host_which_sends_it_once_with_the_same_idempotency_key()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var mute = new SilentListener();
        await using var database = await DeliveryHarness.CreateAsync();
        await database.PublishAsync(new Flow("crash-mail")
            .Activity("mail", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal("新交辦事項（案號 T-1150001）")), ("body", Literal("請登入系統查閱。"))));

        // The first host commits the step, claims the message and is stuck talking to an SMTP server that never greets.
        var first = await HostProcess.StartAsync(database.ConnectionString, With(("Smtp__Host", "127.0.0.1"), ("Smtp__Port", $"{mute.Port}")));
        string instanceId;
        await using (first)
        {
            instanceId = await ExecuteAsync(first, "crash-mail");
            await Eventually.TrueAsync(() => Task.FromResult(mute.Accepted >= 1), "the first host to start delivering");
            first.Kill();
        }

        var orphan = Assert.Single(await database.MessagesAsync());
        Assert.Equal((OutboxStatuses.Pending, 1), (orphan.Status, orphan.Attempts));
        Assert.Empty(smtp.Messages());

        await using var second = await HostProcess.StartAsync(database.ConnectionString, With(("Smtp__Host", "127.0.0.1"), ("Smtp__Port", $"{smtp.Port}")));
        await Eventually.TrueAsync(async () => (await database.MessagesAsync()).Single().Status == OutboxStatuses.Sent, "the second host to send the message", seconds: 60);

        var mail = Assert.Single(smtp.Messages());
        Assert.Equal($"{instanceId}:mail:1", orphan.IdempotencyKey);
        Assert.Equal($"<{SmtpEmailSender.MessageIdLocalPart(orphan.IdempotencyKey)}@antidrugflow>", mail.Header("message-id"));
        Assert.Equal("新交辦事項（案號 T-1150001）", mail.Subject);
        Assert.True((await database.MessagesAsync()).Single().Attempts >= 2);
    }

    [Fact]
    public async Task Dead_letters_are_listed_with_their_last_error_and_an_administrator_resends_or_drops_them_on_record()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Fail);
        await using var database = await DeliveryHarness.CreateAsync();
        await database.PublishAsync(new Flow("two-calls")
            .Activity("a", "Elsa.SendHttpRequest", ("url", Literal(new Uri(agency.Address, "/a").ToString())), ("method", Literal("POST")), ("content", ObjectExpr("{\"case\":\"T-1\"}")))
            .Activity("b", "Elsa.SendHttpRequest", ("url", Literal(new Uri(agency.Address, "/b").ToString())), ("method", Literal("POST")), ("content", ObjectExpr("{\"case\":\"T-2\"}")))
            .Chain("a", "b"));
        await using var host = await HostProcess.StartAsync(database.ConnectionString, With(("Outbox__MaxAttempts", "1")));
        var instanceId = await ExecuteAsync(host, "two-calls");

        JsonArray deadLetters = [];
        await Eventually.TrueAsync(async () => (deadLetters = (await host.Http.GetFromJsonAsync<JsonArray>("/api/outbox/dead-letters"))!).Count == 2, "both calls to be dead-lettered");
        Assert.All(deadLetters, d => Assert.Contains("HTTP 500", (string?)d!["lastError"], StringComparison.Ordinal));
        var resend = deadLetters.Single(d => (string?)d!["idempotencyKey"] == $"{instanceId}:a:1")!;
        var drop = deadLetters.Single(d => (string?)d!["idempotencyKey"] == $"{instanceId}:b:2")!;
        Assert.Null(deadLetters[0]!["payload"]);
        Assert.Equal(agency.Address.Authority, (string?)deadLetters[0]!["destination"]);

        agency.Behaviour = AgencyBehaviour.Ok;
        using (var anonymous = await host.Http.PostAsync($"/api/outbox/dead-letters/{resend["id"]}/resend", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, anonymous.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/outbox/dead-letters/{resend["id"]}/resend?reason=endpoint%20fixed"))
        {
            request.Headers.Add("X-AntiDrugFlow-User", "liaison-admin");
            using var resent = await host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        }

        using (var dropped = await host.Http.PostAsync($"/api/outbox/dead-letters/{drop["id"]}/drop?user=police-admin", null))
        {
            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        }

        using (var again = await host.Http.PostAsync($"/api/outbox/dead-letters/{drop["id"]}/drop?user=police-admin", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        await Eventually.TrueAsync(() => Task.FromResult(!agency.Accepted.IsEmpty), "the resent call to arrive");
        Assert.Equal($"{instanceId}:a:1", Assert.Single(agency.Accepted).Header("Idempotency-Key"));
        Assert.Empty((await host.Http.GetFromJsonAsync<JsonArray>("/api/outbox/dead-letters"))!);
        var resentAudit = Assert.Single((await host.Http.GetFromJsonAsync<JsonArray>($"/api/outbox/messages/{resend["id"]}/audit"))!)!;
        Assert.Equal(("Resent", "liaison-admin", "endpoint fixed"), ((string?)resentAudit["action"], (string?)resentAudit["actor"], (string?)resentAudit["reason"]));
        var dropAudit = Assert.Single((await host.Http.GetFromJsonAsync<JsonArray>($"/api/outbox/messages/{drop["id"]}/audit"))!)!;
        Assert.Equal(("Dropped", "police-admin"), ((string?)dropAudit["action"], (string?)dropAudit["actor"]));
        Assert.Equal(OutboxStatuses.Dropped, (await database.Store.GetAsync(Guid.Parse((string)drop["id"]!), CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_signed_callback_over_HTTP_completes_the_task_and_its_replay_is_refused()
    {
        const string agencyId = "npa-cib";
        const string secret = "npa-cib-shared-secret";
        await using var database = await DeliveryHarness.CreateAsync();
        await database.PublishAsync(new Flow("police-task")
            .Activity("task", "Elsa.RunTask", ("taskName", Literal("溯源查察")), ("payload", ObjectExpr($"{{\"agencyId\":\"{agencyId}\",\"caseNumber\":\"T-1\",\"outcomes\":[\"受理\"]}}")))
            .Activity("done", "Elsa.WriteLine", ("text", Literal("done")))
            .Chain("task", "done"));
        await using var host = await HostProcess.StartAsync(database.ConnectionString, With(($"AgencySystems__SigningKeys__{agencyId}", secret)));
        var instanceId = await ExecuteAsync(host, "police-task");
        await using var engine = new EngineReader(database.ConnectionString);
        var taskId = Assert.Single(await engine.Tasks.ListTasksAsync(null, instanceId, CancellationToken.None)).Id;
        var body = Encoding.UTF8.GetBytes(new JsonObject { ["action"] = "complete-task", ["taskId"] = taskId, ["result"] = new JsonObject { ["outcome"] = "受理" } }.ToJsonString());

        async Task<HttpStatusCode> PostAsync(string key, string idempotencyKey, string agency = agencyId)
        {
            var timestamp = AgencySignature.Timestamp(DateTimeOffset.UtcNow);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agency-callbacks/{agency}") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add(AgencySignature.TimestampHeader, timestamp);
            request.Headers.Add(AgencySignature.SignatureHeader, AgencySignature.SignCallback(Encoding.UTF8.GetBytes(key), timestamp, idempotencyKey, body));
            request.Headers.Add(AgencySignature.IdempotencyKeyHeader, idempotencyKey);
            using var response = await host.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync("a forged key", "cb-0"));
        Assert.Equal(HttpStatusCode.NotFound, await PostAsync(secret, "cb-0", "no-such-agency"));
        Assert.Equal(WorkflowStatus.Suspended, (await engine.Instances.GetAsync(instanceId, CancellationToken.None))!.Status);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(secret, "cb-1"));
        Assert.Equal(WorkflowStatus.Finished, (await engine.Instances.GetAsync(instanceId, CancellationToken.None))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync(secret, "cb-1"));
    }
}
