using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Npgsql;

namespace AntiDrugFlow.Workflows.Scheduling;

/// <summary>One cron trigger of a published definition and the occurrence it starts an instance at next.</summary>
public sealed record CronTriggerSchedule(string DefinitionId, string ActivityId, string DefinitionVersionId, string CronExpression, DateTimeOffset NextDueAt);

/// <summary>
/// The cron triggers of published definitions, kept in <c>workflow_trigger_schedules</c>. As Elsa indexes triggers, an
/// <c>Elsa.Cron</c> is one when its <c>customProperties.canStartWorkflow</c> is true; its expression must be a literal,
/// since the schedule is computed before any instance exists. The rows are replaced in the transaction that publishes a
/// version and removed in the one that retracts or deletes the definition, so a schedule never outlives its version.
/// </summary>
public sealed class CronTriggers(DefinitionValidator validator, TimeProvider time) : IDefinitionChangeObserver
{
    /// <summary>The Elsa.Cron activities of a definition that start instances, with their parsed schedules (invalid ones are left out; the validator refuses them).</summary>
    public static IEnumerable<(ActivityNode Node, CronSchedule Schedule)> Of(WorkflowDefinition definition)
    {
        foreach (var node in definition.Activities.Where(CronActivity.IsTrigger))
        {
            if (node.Input(CronActivity.CronExpression.Name) is { Type: "Literal" } spec && CronSchedule.TryParse(JsonValues.AsString(spec.Value), out var schedule, out _))
            {
                yield return (node, schedule);
            }
        }
    }

    public async Task OnChangedAsync(DefinitionChanged change, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (change.Kind == DefinitionChangeKind.Saved)
        {
            return;
        }

        await using (var clear = Sql.Command(connection, transaction, "DELETE FROM workflow_trigger_schedules WHERE definition_id = $1", change.DefinitionId))
        {
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        if (change.Kind != DefinitionChangeKind.Published || change.VersionId is not { } versionId)
        {
            return;
        }

        await using var read = Sql.Command(connection, transaction, "SELECT document::text FROM workflow_definitions WHERE id = $1", versionId);
        if (await read.ExecuteScalarAsync(cancellationToken) is not string text || validator.Load(JsonNode.Parse(text)!.AsObject()).Definition is not { } definition)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (node, schedule) in Of(definition))
        {
            if (schedule.Next(now, CronSchedule.Taipei) is { } due)
            {
                await using var insert = Sql.Command(connection, transaction, """
                    INSERT INTO workflow_trigger_schedules (definition_id, activity_id, definition_version_id, cron_expression, next_due_at)
                    VALUES ($1, $2, $3, $4, $5)
                    """, change.DefinitionId, node.Id, versionId, schedule.Text, due);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    /// <summary>Locks up to <paramref name="limit"/> schedules due by <paramref name="now"/>, skipping those another host holds.</summary>
    public static async Task<IReadOnlyList<CronTriggerSchedule>> ClaimDueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, """
            SELECT definition_id, activity_id, definition_version_id, cron_expression, next_due_at FROM workflow_trigger_schedules
            WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED
            """, now, limit);
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>Moves a claimed schedule to its next occurrence, or removes it when there is none.</summary>
    public static async Task AdvanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CronTriggerSchedule claimed, DateTimeOffset? next, CancellationToken cancellationToken)
    {
        await using var command = next is { } due
            ? Sql.Command(connection, transaction, "UPDATE workflow_trigger_schedules SET next_due_at = $3 WHERE definition_id = $1 AND activity_id = $2", claimed.DefinitionId, claimed.ActivityId, due)
            : Sql.Command(connection, transaction, "DELETE FROM workflow_trigger_schedules WHERE definition_id = $1 AND activity_id = $2", claimed.DefinitionId, claimed.ActivityId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The id of the instance an occurrence starts: the same on every host, so an occurrence starts one instance however many hosts claim it.</summary>
    public static string InstanceId(CronTriggerSchedule claimed) =>
        Runtime.WorkflowExecutor.InstanceIdFromKey($"cron|{claimed.DefinitionVersionId}|{claimed.ActivityId}|{claimed.NextDueAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");

    /// <summary>The schedules of one definition (for pages and tests).</summary>
    public static async Task<IReadOnlyList<CronTriggerSchedule>> ListAsync(NpgsqlDataSource dataSource, string definitionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT definition_id, activity_id, definition_version_id, cron_expression, next_due_at FROM workflow_trigger_schedules
            WHERE definition_id = $1 ORDER BY activity_id
            """, definitionId);
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<CronTriggerSchedule>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<CronTriggerSchedule>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new CronTriggerSchedule(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return result;
    }
}
