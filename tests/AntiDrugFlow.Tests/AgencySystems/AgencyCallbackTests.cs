using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.AgencySystems;

/// <summary>Inbound callbacks from agency systems: verified, never applied twice, and resuming the workflow.</summary>
public sealed class AgencyCallbackTests
{
    private const string PoliceKey = "npa-shared-secret";

    private static async Task<(DeliveryHarness Host, TestClock Clock, WorkflowInstance Instance, string TaskId)> RoutedTaskAsync(string agencyId = TestAgencies.Police, string? payload = null)
    {
        var clock = new TestClock();
        var host = await DeliveryHarness.CreateAsync(time: clock, settings: new Dictionary<string, string?>
        {
            ["AgencySystems:SigningKeys:npa"] = PoliceKey,
            ["AgencySystems:SigningKeys:moe"] = "moe-shared-secret",
        });
        var id = await host.PublishAsync(new Flow("routed-task")
            .Activity("task", "Elsa.RunTask", ("taskName", Literal("溯源查察")), ("payload", ObjectExpr(payload ?? $"{{\"agencyId\":\"{agencyId}\",\"caseNumber\":\"T-1\",\"outcomes\":[\"受理\",\"移送\"]}}")))
            .Activity("done", "Elsa.WriteLine", ("text", Literal("police answered")))
            .Chain("task", "done"));
        var instance = await host.StartAsync(id);
        var taskId = Assert.Single(instance.Bookmarks, b => b.TaskId is not null).TaskId!;
        return (host, clock, instance, taskId);
    }

    private static byte[] Body(string taskId, JsonObject? result = null) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["action"] = "complete-task", ["taskId"] = taskId, ["result"] = result ?? new JsonObject { ["outcome"] = "受理" } }.ToJsonString());

    private static string Signed(string key, string timestamp, string idempotencyKey, byte[] body) =>
        AgencySignature.SignCallback(Encoding.UTF8.GetBytes(key), timestamp, idempotencyKey, body);

    private static Task<CallbackResult> SendAsync(DeliveryHarness host, DateTimeOffset at, string key, string idempotencyKey, byte[] body, string agencyId = TestAgencies.Police, string? signature = null)
    {
        var timestamp = AgencySignature.Timestamp(at);
        return host.Callbacks.ReceiveAsync(agencyId, timestamp, signature ?? Signed(key, timestamp, idempotencyKey, body), idempotencyKey, body, CancellationToken.None);
    }

    [Fact]
    public async Task A_verified_callback_completes_the_routed_task_and_the_workflow_goes_on()
    {
        var (host, clock, instance, taskId) = await RoutedTaskAsync();
        await using var _ = host;

        var result = await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-1", Body(taskId));

        Assert.Equal(CallbackStatus.Accepted, result.Status);
        Assert.Equal([instance.Id], result.ResumedInstances);
        Assert.Equal(WorkflowStatus.Finished, (await host.InstanceAsync(instance.Id)).Status);
        Assert.Equal("受理", (string?)(await host.TaskAsync(taskId)).Result!["outcome"]);
    }

    [Fact]
    public async Task A_replayed_callback_is_refused_even_with_a_fresh_timestamp_and_signature()
    {
        var (host, clock, _, taskId) = await RoutedTaskAsync();
        await using var _ = host;
        Assert.Equal(CallbackStatus.Accepted, (await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-1", Body(taskId))).Status);

        clock.Advance(TimeSpan.FromSeconds(30));
        var replay = await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-1", Body(taskId));

        Assert.Equal(CallbackStatus.Replayed, replay.Status);
        Assert.Equal(1L, await host.ScalarAsync<long>("SELECT count(*) FROM agency_callback_receipts WHERE agency_id = 'npa'"));
    }

    [Fact]
    public async Task A_callback_with_a_too_old_timestamp_is_refused_and_the_task_stays_open()
    {
        var (host, clock, instance, taskId) = await RoutedTaskAsync();
        await using var _ = host;

        var stale = await SendAsync(host, clock.GetUtcNow() - TimeSpan.FromMinutes(10), PoliceKey, "cb-1", Body(taskId));

        Assert.Equal(CallbackStatus.Stale, stale.Status);
        Assert.Equal(WorkflowStatus.Suspended, (await host.InstanceAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task A_callback_signed_with_a_wrong_key_or_tampered_after_signing_is_refused()
    {
        var (host, clock, _, taskId) = await RoutedTaskAsync();
        await using var _ = host;
        var body = Body(taskId);
        var timestamp = AgencySignature.Timestamp(clock.GetUtcNow());
        var genuine = Signed(PoliceKey, timestamp, "cb-4", body);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace(taskId, taskId + "0", StringComparison.Ordinal));
        Assert.NotEqual(body, tampered);

        Assert.Equal(CallbackStatus.Unauthorized, (await SendAsync(host, clock.GetUtcNow(), "not the key", "cb-1", body)).Status);
        Assert.Equal(CallbackStatus.Unauthorized, (await host.Callbacks.ReceiveAsync(TestAgencies.Police, timestamp, genuine, "cb-4", tampered, CancellationToken.None)).Status);
        Assert.Equal(CallbackStatus.Unauthorized, (await host.Callbacks.ReceiveAsync(TestAgencies.Police, null, null, "cb-3", body, CancellationToken.None)).Status);
        Assert.Equal(CallbackStatus.Accepted, (await host.Callbacks.ReceiveAsync(TestAgencies.Police, timestamp, genuine, "cb-4", body, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task An_agency_cannot_complete_a_task_routed_to_another_agency_and_may_retry_its_own_key_later()
    {
        var (host, clock, _, taskId) = await RoutedTaskAsync(agencyId: TestAgencies.Education);
        await using var _ = host;

        var result = await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-1", Body(taskId));

        Assert.Equal(CallbackStatus.NotFound, result.Status);
        Assert.Equal(0L, await host.ScalarAsync<long>("SELECT count(*) FROM agency_callback_receipts"));
        Assert.Equal(CallbackStatus.Accepted, (await SendAsync(host, clock.GetUtcNow(), "moe-shared-secret", "cb-1", Body(taskId), TestAgencies.Education)).Status);
    }

    [Fact]
    public async Task Remembered_keys_are_forgotten_only_once_their_timestamps_could_no_longer_pass()
    {
        var (host, clock, _, taskId) = await RoutedTaskAsync();
        await using var _ = host;
        var signedAt = clock.GetUtcNow();
        var body = Body(taskId);
        var timestamp = AgencySignature.Timestamp(signedAt);
        var signature = Signed(PoliceKey, timestamp, "cb-old", body);
        Assert.Equal(CallbackStatus.Accepted, (await host.Callbacks.ReceiveAsync(TestAgencies.Police, timestamp, signature, "cb-old", body, CancellationToken.None)).Status);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(CallbackStatus.AlreadyDone, (await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-recent", body)).Status);
        Assert.Equal(2L, await host.ScalarAsync<long>("SELECT count(*) FROM agency_callback_receipts"));

        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(CallbackStatus.AlreadyDone, (await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-new", body)).Status);
        Assert.Equal(1L, await host.ScalarAsync<long>("SELECT count(*) FROM agency_callback_receipts"));
        Assert.Equal(CallbackStatus.Stale, (await host.Callbacks.ReceiveAsync(TestAgencies.Police, timestamp, signature, "cb-old", body, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_captured_callback_sent_again_under_a_new_idempotency_key_is_refused_and_the_task_stays_open()
    {
        var (host, clock, instance, taskId) = await RoutedTaskAsync();
        await using var _ = host;
        var body = Body(taskId);
        var timestamp = AgencySignature.Timestamp(clock.GetUtcNow());
        var captured = Signed(PoliceKey, timestamp, "cb-1", body);

        var replay = await host.Callbacks.ReceiveAsync(TestAgencies.Police, timestamp, captured, "cb-1-again", body, CancellationToken.None);

        Assert.Equal(CallbackStatus.Unauthorized, replay.Status);
        Assert.Equal(WorkflowStatus.Suspended, (await host.InstanceAsync(instance.Id)).Status);
        Assert.Equal(CallbackStatus.Accepted, (await host.Callbacks.ReceiveAsync(TestAgencies.Police, timestamp, captured, "cb-1", body, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_signature_in_upper_case_hex_is_accepted()
    {
        var (host, clock, _, taskId) = await RoutedTaskAsync();
        await using var _ = host;
        var body = Body(taskId);
        var timestamp = AgencySignature.Timestamp(clock.GetUtcNow());
        var upper = "sha256=" + Signed(PoliceKey, timestamp, "cb-1", body)["sha256=".Length..].ToUpperInvariant();

        Assert.Equal(CallbackStatus.Accepted, (await host.Callbacks.ReceiveAsync(TestAgencies.Police, timestamp, upper, "cb-1", body, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_task_that_names_no_agency_is_no_agencys_to_complete()
    {
        var (host, clock, instance, taskId) = await RoutedTaskAsync(payload: "{\"caseNumber\":\"T-1\"}");
        await using var _ = host;

        Assert.Equal(CallbackStatus.NotFound, (await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-1", Body(taskId, new JsonObject()))).Status);
        Assert.Equal(WorkflowStatus.Suspended, (await host.InstanceAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task An_outcome_outside_the_tasks_list_or_free_text_that_looks_like_personal_data_is_refused_and_the_task_stays_open()
    {
        var (host, clock, instance, taskId) = await RoutedTaskAsync();
        await using var _ = host;

        var named = await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-1", Body(taskId, new JsonObject { ["outcome"] = "移送，王小明" }));
        var phone = await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-2", Body(taskId, new JsonObject { ["outcome"] = "移送", ["detail"] = "家長電話 0912-345-678" }));
        var extra = await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-3", Body(taskId, new JsonObject { ["outcome"] = "移送", ["subject"] = "王小明" }));

        Assert.All([named, phone, extra], r => Assert.Equal(CallbackStatus.Invalid, r.Status));
        Assert.All([named, phone, extra], r => Assert.DoesNotContain("王小明", r.Detail, StringComparison.Ordinal));
        Assert.Equal(WorkflowStatus.Suspended, (await host.InstanceAsync(instance.Id)).Status);
        Assert.Equal(CallbackStatus.Accepted, (await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-4", Body(taskId, new JsonObject { ["outcome"] = "移送" }))).Status);
    }

    [Fact]
    public async Task A_callbacks_detail_is_kept_out_of_the_task_result_and_stored_encrypted_for_the_agency()
    {
        var (host, clock, _, taskId) = await RoutedTaskAsync();
        await using var _ = host;

        var result = await SendAsync(host, clock.GetUtcNow(), PoliceKey, "cb-1", Body(taskId, new JsonObject { ["outcome"] = "移送", ["detail"] = "已移送地檢署偵辦" }));

        Assert.Equal(CallbackStatus.Accepted, result.Status);
        var stored = (await host.TaskAsync(taskId)).Result!.AsObject();
        Assert.Equal("移送", (string?)stored["outcome"]);
        Assert.False(stored.ContainsKey("detail"));
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.ConnectionString);
        await using var read = dataSource.CreateCommand("SELECT agency_id, written_by, note_protected FROM case_notes WHERE task_id = $1");
        read.Parameters.Add(new Npgsql.NpgsqlParameter { Value = taskId });
        await using var row = await read.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(TestAgencies.Police, row.GetString(0));
        Assert.Equal("agency-system:" + TestAgencies.Police, row.GetString(1));
        Assert.DoesNotContain("地檢署", row.GetString(2), StringComparison.Ordinal);
        Assert.Equal("已移送地檢署偵辦", host.Services.GetRequiredService<Workflows.Access.IPersonalDataProtector>().Unprotect(row.GetString(2)));
    }
}
