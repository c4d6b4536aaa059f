using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AntiDrugFlow.Integrations.AgencySystems;

public enum CallbackStatus
{
    /// <summary>Verified and applied: the workflow resumed.</summary>
    Accepted,
    UnknownAgency,

    /// <summary>No key is configured for the agency, or the signature is missing or wrong.</summary>
    Unauthorized,

    /// <summary>The timestamp is too far from now.</summary>
    Stale,

    /// <summary>This idempotency key was accepted before.</summary>
    Replayed,
    Invalid,

    /// <summary>The task or case does not exist, or belongs to another agency (as far as the agency may know).</summary>
    NotFound,

    /// <summary>The agency sees the case but does not hold it: only the case's team changes its course.</summary>
    Forbidden,

    /// <summary>The body is larger than a callback can be.</summary>
    TooLarge,

    /// <summary>The task was already completed (e.g. by a user in the web pages).</summary>
    AlreadyDone,
}

public sealed record CallbackResult(CallbackStatus Status, string Detail, IReadOnlyList<string>? ResumedInstances = null);

/// <summary>The idempotency keys of callbacks already accepted, per agency.</summary>
public interface ICallbackReceipts
{
    /// <summary>Records the key; false when it was recorded before.</summary>
    Task<bool> TryRecordAsync(string agencyId, string idempotencyKey, string action, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Forgets a key whose callback could not be applied, so the agency may send it again.</summary>
    Task ForgetAsync(string agencyId, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Forgets keys received before <paramref name="before"/>; their timestamps are refused as stale anyway.</summary>
    Task PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

public sealed class PostgresCallbackReceipts(NpgsqlDataSource dataSource) : ICallbackReceipts
{
    public async Task<bool> TryRecordAsync(string agencyId, string idempotencyKey, string action, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO agency_callback_receipts (agency_id, idempotency_key, action, received_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (agency_id, idempotency_key) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = agencyId });
        command.Parameters.Add(new NpgsqlParameter { Value = idempotencyKey });
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = at.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task ForgetAsync(string agencyId, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM agency_callback_receipts WHERE agency_id = $1 AND idempotency_key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = agencyId });
        command.Parameters.Add(new NpgsqlParameter { Value = idempotencyKey });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM agency_callback_receipts WHERE received_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = before.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// Inbound callbacks from agency systems, e.g. a police system acknowledging or completing a routed task.
/// Verified with the agency's key (HMAC-SHA256 over timestamp, idempotency key and body); a stale
/// timestamp or a repeated idempotency key is refused; a verified callback resumes the workflow, but
/// only within what the agency holds: its own tasks, and events for cases it is on the team of.
/// Body: {"action":"complete-task","taskId":…,"result":{"outcome":…,"detail":…}} or
/// {"action":"trigger-event","eventName":…,"correlationId":…,"payload":{…}}.
/// </summary>
public sealed class AgencyCallbackReceiver(
    IAgencyDirectorySource directory,
    IAgencyEndpoints endpoints,
    ICallbackReceipts receipts,
    WorkflowRuntime runtime,
    IHumanTaskQueries tasks,
    PostgresCaseStore cases,
    CaseNotes notes,
    TimeProvider time,
    IOptions<AgencySystemsOptions> options,
    ILogger<AgencyCallbackReceiver> logger)
{
    /// <summary>A callback is a few KB; anything larger is refused before it is read.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>
    /// What can be refused from the headers alone, before a byte of the body is read: an unknown agency,
    /// one without a key, a missing or malformed signature, no idempotency key. Null when the body may be read.
    /// </summary>
    public async Task<CallbackResult?> CheckHeadersAsync(string agencyId, string? timestamp, string? signature, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (!(await directory.GetAsync(cancellationToken)).TryGet(agencyId, out _))
        {
            return new(CallbackStatus.UnknownAgency, $"unknown agency '{agencyId}'");
        }

        if (endpoints.SigningKey(agencyId) is null)
        {
            return new(CallbackStatus.Unauthorized, "no signing key is configured for this agency");
        }

        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return new(CallbackStatus.Unauthorized, $"{AgencySignature.TimestampHeader} and {AgencySignature.SignatureHeader} are required");
        }

        if (!AgencySignature.HasShape(timestamp, signature))
        {
            return new(CallbackStatus.Unauthorized, "the signature does not match");
        }

        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 200)
        {
            return new(CallbackStatus.Invalid, $"an {AgencySignature.IdempotencyKeyHeader} header of at most 200 characters is required");
        }

        return null;
    }

    public async Task<CallbackResult> ReceiveAsync(string agencyId, string? timestamp, string? signature, string? idempotencyKey, byte[] body, CancellationToken cancellationToken)
    {
        if (await CheckHeadersAsync(agencyId, timestamp, signature, idempotencyKey, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (body.Length > MaxBodyBytes)
        {
            return new(CallbackStatus.TooLarge, $"a callback body may be at most {MaxBodyBytes} bytes");
        }

        switch (AgencySignature.VerifyCallback(endpoints.SigningKey(agencyId)!, timestamp, signature, idempotencyKey!, body, time.GetUtcNow(), options.Value.CallbackTolerance))
        {
            case SignatureCheck.Missing:
                return new(CallbackStatus.Unauthorized, $"{AgencySignature.TimestampHeader} and {AgencySignature.SignatureHeader} are required");
            case SignatureCheck.Invalid:
                return new(CallbackStatus.Unauthorized, "the signature does not match");
            case SignatureCheck.Stale:
                return new(CallbackStatus.Stale, "the timestamp is too old or too far ahead");
        }

        JsonObject request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject ?? throw new System.Text.Json.JsonException("not an object");
        }
        catch (System.Text.Json.JsonException)
        {
            return new(CallbackStatus.Invalid, "the body is not a JSON object");
        }

        var action = JsonValues.AsString(request["action"]) ?? string.Empty;
        if (action is not ("complete-task" or "trigger-event"))
        {
            return new(CallbackStatus.Invalid, "action must be complete-task or trigger-event");
        }

        var now = time.GetUtcNow();
        if (!await receipts.TryRecordAsync(agencyId, idempotencyKey!, action, now, cancellationToken))
        {
            return new(CallbackStatus.Replayed, "this idempotency key was received before");
        }

        // A key only needs remembering while its timestamp could still pass; a day is a generous margin.
        await receipts.PurgeAsync(now - Max(options.Value.CallbackTolerance * 2, TimeSpan.FromDays(1)), cancellationToken);

        try
        {
            var result = action == "complete-task"
                ? await CompleteTaskAsync(agencyId, request, cancellationToken)
                : await TriggerEventAsync(agencyId, request, cancellationToken);
            if (result.Status is not (CallbackStatus.Accepted or CallbackStatus.AlreadyDone))
            {
                await receipts.ForgetAsync(agencyId, idempotencyKey!, CancellationToken.None);
            }

            logger.LogInformation("Callback {Key} from agency {Agency}: {Action} {Status}", idempotencyKey, agencyId, action, result.Status);
            return result;
        }
        catch
        {
            // Not applied: the agency may send the same callback again.
            await receipts.ForgetAsync(agencyId, idempotencyKey!, CancellationToken.None);
            throw;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task<CallbackResult> CompleteTaskAsync(string agencyId, JsonObject request, CancellationToken cancellationToken)
    {
        var taskId = JsonValues.AsString(request["taskId"]);
        if (string.IsNullOrWhiteSpace(taskId))
        {
            return new(CallbackStatus.Invalid, "taskId is required");
        }

        // A task routed to an agency names it in its payload; a task that names no agency is no agency's to complete.
        var task = await tasks.GetTaskAsync(taskId, cancellationToken);
        if (task is null || task.Payload is not JsonObject payload || JsonValues.AsString(payload["agencyId"]) != agencyId)
        {
            return new(CallbackStatus.NotFound, $"no task '{taskId}' routed to this agency");
        }

        if (Result(request["result"], payload) is { } invalid)
        {
            return invalid;
        }

        // The same shape as a completion in the web pages: the outcome from the task's list, who answered; the detail is
        // the agency's note, kept out of the workflow's variables and stored encrypted for that agency only.
        var by = "agency-system:" + agencyId;
        var result = new RoutedTaskResult(RoutedTaskResult.Complete, JsonValues.AsString(request["result"]?["outcome"]), by, agencyId);
        var note = notes.Store(task, agencyId, by, JsonValues.AsString(request["result"]?["detail"]));
        return await runtime.CompleteTaskAsync(task, result.ToJson(), note, cancellationToken) switch
        {
            ResumeResult.Resumed => new(CallbackStatus.Accepted, "task completed", [task.InstanceId]),
            ResumeResult.AlreadyResumed => new(CallbackStatus.AlreadyDone, "the task was already completed"),
            _ => new(CallbackStatus.NotFound, $"no task '{taskId}' routed to this agency"),
        };
    }

    /// <summary>
    /// A result carries an outcome from the task's fixed list (none when the task has no list) and at most a short
    /// detail that passes the personal-data rules; nothing else. Refusals name the field, never the value.
    /// </summary>
    private static CallbackResult? Result(JsonNode? result, JsonObject task)
    {
        if (result is null)
        {
            return null;
        }

        if (result is not JsonObject fields)
        {
            return new(CallbackStatus.Invalid, "result must be an object");
        }

        if (fields.Select(f => f.Key).FirstOrDefault(k => k is not ("outcome" or "detail")) is { } unknown)
        {
            return new(CallbackStatus.Invalid, $"result.{unknown} is not accepted: a result has an outcome and a detail only");
        }

        var outcomes = task["outcomes"] is JsonArray list ? list.Select(JsonValues.AsString).OfType<string>().ToList() : [];
        var outcome = fields["outcome"];
        if (outcome is not null && (outcome is not JsonValue || outcome.GetValueKind() != System.Text.Json.JsonValueKind.String || !outcomes.Contains(outcome.GetValue<string>())))
        {
            return new(CallbackStatus.Invalid, outcomes.Count == 0
                ? "result.outcome is not accepted: this task has no list of outcomes"
                : $"result.outcome must be one of: {string.Join(", ", outcomes)}");
        }

        if (outcome is null && outcomes.Count > 0)
        {
            return new(CallbackStatus.Invalid, $"result.outcome is required, one of: {string.Join(", ", outcomes)}");
        }

        var detail = fields["detail"];
        if (detail is not null)
        {
            if (detail is not JsonValue || detail.GetValueKind() != System.Text.Json.JsonValueKind.String || detail.GetValue<string>().Length > 1000)
            {
                return new(CallbackStatus.Invalid, "result.detail must be a string of at most 1000 characters");
            }

            try
            {
                MessageContent.Text(detail.GetValue<string>(), "result.detail");
            }
            catch (MessageContentException)
            {
                return new(CallbackStatus.Invalid, "result.detail looks like personal data (a name, ID number, phone, email or address) and is refused");
            }
        }

        return null;
    }

    private async Task<CallbackResult> TriggerEventAsync(string agencyId, JsonObject request, CancellationToken cancellationToken)
    {
        var eventName = JsonValues.AsString(request["eventName"]);
        if (string.IsNullOrWhiteSpace(eventName))
        {
            return new(CallbackStatus.Invalid, "eventName is required");
        }

        // An event from an agency's system is for one case, and only the case's team may move it on: the
        // same rule as the API (e.g. only the case's school or its 校外會 reports a transition).
        var correlationId = JsonValues.AsString(request["correlationId"]);
        if (string.IsNullOrWhiteSpace(correlationId))
        {
            return new(CallbackStatus.Invalid, "correlationId is required: an event from an agency names the case it is for");
        }

        var agencies = await directory.GetAsync(cancellationToken);
        var record = await cases.FindVisibleAsync(correlationId, agencyId, CaseTeam.LiaisonCounty(agencies, agencyId), cancellationToken);
        if (record is null)
        {
            return new(CallbackStatus.NotFound, $"no case '{correlationId}' this agency may see");
        }

        if (!CaseTeam.Includes(agencies, agencyId, record))
        {
            return new(CallbackStatus.Forbidden, "only the agencies that hold the case (its origin, its school, its county's liaison office) may move it on");
        }

        // The workflow sees which agency spoke, verified, next to what it said.
        var payload = new JsonObject { ["agencyId"] = agencyId, ["payload"] = request["payload"]?.DeepClone() };
        var resumed = await runtime.TriggerEventAsync(eventName, correlationId, payload, cancellationToken);
        return new(CallbackStatus.Accepted, $"{resumed.Count} instance(s) resumed", resumed);
    }
}
