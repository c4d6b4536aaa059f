using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Expressions;
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

    /// <summary>The task does not exist, or belongs to another agency.</summary>
    NotFound,

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
/// Verified like outgoing calls (HMAC-SHA256 over timestamp and body with the agency's key); a stale
/// timestamp or a repeated idempotency key is refused; a verified callback resumes the workflow.
/// Body: {"action":"complete-task","taskId":…,"result":{…}} or {"action":"trigger-event","eventName":…,"correlationId":…,"payload":{…}}.
/// </summary>
public sealed class AgencyCallbackReceiver(
    IAgencyDirectorySource directory,
    IAgencyEndpoints endpoints,
    ICallbackReceipts receipts,
    WorkflowRuntime runtime,
    IHumanTaskQueries tasks,
    TimeProvider time,
    IOptions<AgencySystemsOptions> options,
    ILogger<AgencyCallbackReceiver> logger)
{
    public async Task<CallbackResult> ReceiveAsync(string agencyId, string? timestamp, string? signature, string? idempotencyKey, byte[] body, CancellationToken cancellationToken)
    {
        if (!(await directory.GetAsync(cancellationToken)).TryGet(agencyId, out _))
        {
            return new(CallbackStatus.UnknownAgency, $"unknown agency '{agencyId}'");
        }

        if (endpoints.SigningKey(agencyId) is not { } key)
        {
            return new(CallbackStatus.Unauthorized, "no signing key is configured for this agency");
        }

        switch (AgencySignature.Verify(key, timestamp, signature, body, time.GetUtcNow(), options.Value.CallbackTolerance))
        {
            case SignatureCheck.Missing:
                return new(CallbackStatus.Unauthorized, $"{AgencySignature.TimestampHeader} and {AgencySignature.SignatureHeader} are required");
            case SignatureCheck.Invalid:
                return new(CallbackStatus.Unauthorized, "the signature does not match");
            case SignatureCheck.Stale:
                return new(CallbackStatus.Stale, "the timestamp is too old or too far ahead");
        }

        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 200)
        {
            return new(CallbackStatus.Invalid, $"an {AgencySignature.IdempotencyKeyHeader} header of at most 200 characters is required");
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
        if (!await receipts.TryRecordAsync(agencyId, idempotencyKey, action, now, cancellationToken))
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
                await receipts.ForgetAsync(agencyId, idempotencyKey, CancellationToken.None);
            }

            logger.LogInformation("Callback {Key} from agency {Agency}: {Action} {Status}", idempotencyKey, agencyId, action, result.Status);
            return result;
        }
        catch
        {
            // Not applied: the agency may send the same callback again.
            await receipts.ForgetAsync(agencyId, idempotencyKey, CancellationToken.None);
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

        // A task routed to an agency names it in its payload; another agency may not complete it.
        var task = await tasks.GetTaskAsync(taskId, cancellationToken);
        if (task is null || (task.Payload is JsonObject payload && JsonValues.AsString(payload["agencyId"]) is { } owner && owner != agencyId))
        {
            return new(CallbackStatus.NotFound, $"no task '{taskId}' routed to this agency");
        }

        var completion = await runtime.CompleteTaskAsync(taskId, request["result"]?.DeepClone(), cancellationToken);
        return completion.Result switch
        {
            ResumeResult.Resumed => new(CallbackStatus.Accepted, "task completed", [task.InstanceId]),
            ResumeResult.AlreadyResumed => new(CallbackStatus.AlreadyDone, "the task was already completed"),
            _ => new(CallbackStatus.NotFound, $"no task '{taskId}' routed to this agency"),
        };
    }

    private async Task<CallbackResult> TriggerEventAsync(string agencyId, JsonObject request, CancellationToken cancellationToken)
    {
        var eventName = JsonValues.AsString(request["eventName"]);
        if (string.IsNullOrWhiteSpace(eventName))
        {
            return new(CallbackStatus.Invalid, "eventName is required");
        }

        // The workflow sees which agency spoke, verified, next to what it said.
        var payload = new JsonObject { ["agencyId"] = agencyId, ["payload"] = request["payload"]?.DeepClone() };
        var resumed = await runtime.TriggerEventAsync(eventName, JsonValues.AsString(request["correlationId"]), payload, cancellationToken);
        return new(CallbackStatus.Accepted, $"{resumed.Count} instance(s) resumed", resumed);
    }
}
