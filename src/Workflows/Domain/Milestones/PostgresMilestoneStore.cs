using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>All SQL of the milestone catalog: cycles, items and their status, progress records and reminders.</summary>
public sealed class PostgresMilestoneStore(NpgsqlDataSource dataSource, IOutbox outbox)
{
    private const string ItemColumns = """
        cycle_id, ordinal, item_id, work_group, section, strategy, number, action, schedule_text, schedule::text,
        lead_agencies, co_agencies, note, status, status_note, status_by, status_at
        """;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Inserts a cycle and its items; an existing cycle keeps its items and their status. False when it existed.</summary>
    public async Task<bool> InsertCycleAsync(MilestoneCycle cycle, MilestoneCatalog catalog, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = Sql.Command(connection, transaction, """
            INSERT INTO milestone_cycles (id, title, document_roc_year, from_roc_year, until_roc_year, shifted_from, loaded_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING
            """, cycle.Id, cycle.Title, cycle.DocumentRocYear, cycle.FromRocYear, cycle.UntilRocYear, cycle.ShiftedFrom, cycle.LoadedAt))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        for (var ordinal = 0; ordinal < catalog.Items.Count; ordinal++)
        {
            var item = catalog.Items[ordinal];
            var deadlines = TrackedMilestone.DeadlinesOf(item.Schedule);

            // An item the plan itself records as done (「106年5月31日已完成」) starts done.
            var done = item.Schedule.All(s => s.Kind == RocScheduleKind.Done);
            batch.BatchCommands.Add(Sql.BatchCommand("""
                INSERT INTO milestone_items (cycle_id, item_id, ordinal, work_group, section, strategy, number, action, schedule_text, schedule,
                    first_due_at, last_due_at, lead_agencies, co_agencies, note, status, status_note, status_by, status_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                """,
                cycle.Id, item.Id, ordinal, item.Group, item.Section, item.Strategy, item.Number, item.Action, item.ScheduleText,
                new Jsonb(JsonSerializer.Serialize(item.Schedule, MilestoneCatalog.JsonOptions)),
                deadlines.Count == 0 ? null : deadlines.Min(d => d.Due), deadlines.Count == 0 ? null : deadlines.Max(d => d.Due),
                item.LeadAgencies.ToArray(), item.CoAgencies.ToArray(), item.Note,
                (done ? MilestoneStatus.Done : MilestoneStatus.NotStarted).ToString(),
                done ? "行動綱領原文記載已完成" : null, done ? "行動綱領" : null, done ? now : null));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<MilestoneCycle>> CyclesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, title, document_roc_year, from_roc_year, until_roc_year, shifted_from, loaded_at FROM milestone_cycles ORDER BY from_roc_year, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var cycles = new List<MilestoneCycle>();
        while (await reader.ReadAsync(cancellationToken))
        {
            cycles.Add(new MilestoneCycle(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return cycles;
    }

    public async Task<MilestoneCycle?> CycleAsync(string cycleId, CancellationToken cancellationToken) =>
        (await CyclesAsync(cancellationToken)).FirstOrDefault(c => c.Id == cycleId);

    /// <summary>
    /// The conditions of <see cref="MilestoneFilter"/>, shared by the list and the group counts so that a count
    /// and the list it links to never disagree. Parameters: $1 cycle, $2 group, $3 agency (part of a name),
    /// $4 and $5 a deadline between, $6 overdue, $7 now, $8 lead agencies only, $9 open (not done).
    /// </summary>
    private const string FilterConditions = """
        cycle_id = $1
          AND ($2::text IS NULL OR work_group = $2)
          AND ($3::text IS NULL OR EXISTS (
                SELECT 1 FROM unnest(CASE WHEN $8::boolean THEN lead_agencies ELSE lead_agencies || co_agencies END) AS agency (name)
                WHERE strpos(milestone_agency_key(agency.name), milestone_agency_key($3)) > 0))
          AND ($4::timestamptz IS NULL AND $5::timestamptz IS NULL OR EXISTS (
                SELECT 1 FROM jsonb_array_elements(schedule) step
                WHERE step->>'kind' = 'deadline'
                  AND ($4::timestamptz IS NULL OR (step->>'due')::timestamptz >= $4)
                  AND ($5::timestamptz IS NULL OR (step->>'due')::timestamptz <= $5)))
          AND ($6::boolean IS NULL OR (status <> 'Done' AND first_due_at < $7::timestamptz) = $6)
          AND ($9::boolean IS NULL OR (status <> 'Done') = $9)
        """;

    /// <summary>Items of a cycle in the plan's order, filtered; "now" decides what is overdue.</summary>
    public async Task<IReadOnlyList<TrackedMilestone>> ListAsync(MilestoneFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"""
            SELECT {ItemColumns} FROM milestone_items
            WHERE {FilterConditions}
            ORDER BY ordinal
            """, FilterParameters(filter, now));
        return await ReadItemsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Per working group, the items of <paramref name="filter"/> that are overdue, due by <paramref name="dueSoonUntil"/>
    /// (not done, a deadline from now until then), done, and open. Groups without items are left out.
    /// </summary>
    public async Task<IReadOnlyList<MilestoneGroupCounts>> CountByGroupAsync(MilestoneFilter filter, DateTimeOffset now, DateTimeOffset dueSoonUntil, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"""
            SELECT work_group,
                   count(*) FILTER (WHERE status <> 'Done' AND first_due_at < $7::timestamptz),
                   count(*) FILTER (WHERE status <> 'Done' AND EXISTS (
                        SELECT 1 FROM jsonb_array_elements(schedule) step
                        WHERE step->>'kind' = 'deadline' AND (step->>'due')::timestamptz BETWEEN $7::timestamptz AND $10::timestamptz)),
                   count(*) FILTER (WHERE status = 'Done'),
                   count(*) FILTER (WHERE status <> 'Done')
            FROM milestone_items
            WHERE {FilterConditions}
            GROUP BY work_group
            """, [.. FilterParameters(filter, now), dueSoonUntil]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<MilestoneGroupCounts>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new MilestoneGroupCounts(reader.GetString(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4)));
        }

        return counts;
    }

    private static object?[] FilterParameters(MilestoneFilter filter, DateTimeOffset now) =>
    [
        filter.CycleId, filter.Group, string.IsNullOrWhiteSpace(filter.Agency) ? null : filter.Agency.Trim(), filter.DueFrom, filter.DueUntil, filter.Overdue, now,
        filter.AgencyRole == MilestoneAgencyRole.Lead, filter.Open,
    ];

    public async Task<TrackedMilestone?> GetAsync(string cycleId, string itemId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"SELECT {ItemColumns} FROM milestone_items WHERE cycle_id = $1 AND item_id = $2", cycleId, itemId);
        return (await ReadItemsAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Records progress and, when a status is given, makes it the item's status; both in one transaction.</summary>
    public async Task<bool> RecordProgressAsync(string cycleId, string itemId, ProgressUpdate update, int? occurrenceYear, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var item = Sql.Command(connection, transaction, """
            UPDATE milestone_items
            SET status = coalesce($3, status), status_note = $4, status_by = $5, status_at = $6
            WHERE cycle_id = $1 AND item_id = $2
            RETURNING status
            """, cycleId, itemId, update.Status?.ToString(), update.Note, update.By, now))
        {
            if (await item.ExecuteScalarAsync(cancellationToken) is not string status)
            {
                return false;
            }

            await using var progress = Sql.Command(connection, transaction, """
                INSERT INTO milestone_progress (cycle_id, item_id, recorded_at, recorded_by, status, note, occurrence_year, occurred_on)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """, cycleId, itemId, now, update.By, status, update.Note, occurrenceYear, update.Occurrence);
            await progress.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<MilestoneProgress>> ProgressAsync(string cycleId, string itemId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT id, recorded_at, recorded_by, status, note, occurrence_year, occurred_on FROM milestone_progress
            WHERE cycle_id = $1 AND item_id = $2 ORDER BY id
            """, cycleId, itemId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<MilestoneProgress>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new MilestoneProgress(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), Enum.Parse<MilestoneStatus>(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateOnly>(6)));
        }

        return list;
    }

    /// <summary>
    /// Stores a reminder's outcome and its emails in one transaction. The key is the primary key, so a
    /// second firing of the same reminder (another host, a retry) writes nothing: false.
    /// </summary>
    public async Task<bool> RecordReminderAsync(ReminderRecord record, IReadOnlyList<OutboxEmail> emails, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = Sql.Command(connection, transaction, """
            INSERT INTO milestone_reminders (reminder_key, cycle_id, item_id, kind, outcome, reason, late, planned_at, fired_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (reminder_key) DO NOTHING
            """, record.Key, record.CycleId, record.ItemId, record.Kind, record.Outcome, record.Reason, record.Late, record.PlannedAt, record.FiredAt))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await outbox.EnqueueAsync(transaction, [.. emails.Select(email => new OutboxMessage(
            Guid.CreateVersion7(record.FiredAt), null, OutboxKinds.Email, email.IdempotencyKey, OutgoingMessage.EmailPayload(email.To, email.Subject, email.Body), record.FiredAt))], cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlySet<string>> ReminderKeysAsync(string cycleId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT reminder_key FROM milestone_reminders WHERE cycle_id = $1", cycleId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    public async Task<IReadOnlyList<SentReminder>> RemindersAsync(string cycleId, string? itemId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT reminder_key, kind, outcome, reason, late, planned_at, fired_at FROM milestone_reminders
            WHERE cycle_id = $1 AND ($2::text IS NULL OR item_id = $2) ORDER BY fired_at, reminder_key
            """, cycleId, itemId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<SentReminder>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new SentReminder(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetBoolean(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return list;
    }

    private static async Task<IReadOnlyList<TrackedMilestone>> ReadItemsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<TrackedMilestone>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var schedule = JsonSerializer.Deserialize<List<RocScheduleStep>>(reader.GetString(9), MilestoneCatalog.JsonOptions) ?? [];
            var item = new MilestoneItem(
                reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetString(7), reader.GetString(8), schedule, reader.GetFieldValue<string[]>(10), reader.GetFieldValue<string[]>(11),
                reader.IsDBNull(12) ? null : reader.GetString(12));
            items.Add(new TrackedMilestone(reader.GetString(0), reader.GetInt32(1), item, Enum.Parse<MilestoneStatus>(reader.GetString(13)),
                reader.IsDBNull(14) ? null : reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetString(15),
                reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16)));
        }

        return items;
    }
}
