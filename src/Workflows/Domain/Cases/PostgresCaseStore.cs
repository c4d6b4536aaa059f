using System.Globalization;
using AntiDrugFlow.Workflows.Persistence;
using Npgsql;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>A case row as stored: personal data only in its protected (encrypted) form.</summary>
public sealed record CaseRecord(
    string Id, string CaseNumber, string Kind, string Chain, string InstanceId, string OriginAgencyId, string? SchoolId, string? County,
    bool Urgent, int? DrugLevel, string? SubjectNameProtected, string? SubjectClassProtected, string CreatedBy, DateTimeOffset CreatedAt,
    string? NarrativeProtected = null);

/// <summary>A case as listed: its row and the status its workflow last set, read in the same query.</summary>
public sealed record CaseListing(CaseRecord Case, string? Status);

/// <summary>What an inbox shows beside the engine's tasks: unread task ids, tasks escalated away (with where to), cases' kind and urgency.</summary>
public sealed record InboxDetails(IReadOnlySet<string> Unread, IReadOnlyList<(string TaskId, string EscalatedTo)> EscalatedAway, IReadOnlyDictionary<string, (string Kind, bool Urgent)> Kinds);

/// <summary>One row of the quarterly level-1 statistics: counts only.</summary>
public sealed record CaseCount(string? County, string Kind, int? DrugLevel, string? Outcome, int Cases);

/// <summary>
/// A place in the case list (newest first, then by id): the case at <paramref name="CreatedAt"/> with <paramref name="Id"/>;
/// a page after it holds older cases, one <paramref name="Before"/> it newer ones. Its text form (<see cref="ToString"/>)
/// is what the pages' links carry.
/// </summary>
public sealed record CaseListCursor(DateTimeOffset CreatedAt, string Id, bool Before = false)
{
    public override string ToString() => $"{CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{Id}";

    /// <summary>The cursor of <see cref="ToString"/>'s form, or null for anything else.</summary>
    public static CaseListCursor? Parse(string? text, bool before)
    {
        var separator = text?.IndexOf('_', StringComparison.Ordinal) ?? -1;
        return separator > 0 && separator < text!.Length - 1
            && long.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new CaseListCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(separator + 1)..], before)
            : null;
    }
}

/// <summary>All SQL of cases, their visibility and their statistics.</summary>
public sealed class PostgresCaseStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "c.id, c.case_number, c.kind, c.chain, c.instance_id, c.origin_agency_id, c.school_id, c.county, c.urgent, c.drug_level, c.subject_name_protected, c.subject_class_protected, c.created_by, c.created_at, c.narrative_protected";

    /// <summary>How many case numbers a host reserves from the sequence at a time.</summary>
    public const int NumberBlock = 16;

    private readonly Queue<long> _numbers = new();
    private readonly SemaphoreSlim _numbersGate = new(1, 1);

    /// <summary>
    /// The next case number. Numbers are reserved from <c>case_number_seq</c> <see cref="NumberBlock"/> at a time (one round
    /// trip for a block instead of one per notification) and handed out in increasing order. They stay unique across hosts;
    /// hosts sharing the sequence interleave their blocks, and the rest of a block is not used after a restart (a sequence
    /// has gaps anyway, from starts that roll back).
    /// </summary>
    public async Task<long> NextNumberAsync(CancellationToken cancellationToken)
    {
        await _numbersGate.WaitAsync(cancellationToken);
        try
        {
            if (_numbers.Count == 0)
            {
                await using var command = dataSource.CreateCommand("SELECT nextval('case_number_seq') FROM generate_series(1, $1) ORDER BY 1");
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = NumberBlock });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    _numbers.Enqueue(reader.GetInt64(0));
                }
            }

            return _numbers.Dequeue();
        }
        finally
        {
            _numbersGate.Release();
        }
    }

    /// <summary>Inserts the case with the step that starts its instance (one round trip), so neither exists without the other.</summary>
    public static void Insert(WorkflowTransaction transaction, CaseRecord record) =>
        transaction.Batch(Sql.BatchCommand("""
            INSERT INTO cases (id, case_number, kind, chain, instance_id, origin_agency_id, school_id, county, urgent, drug_level, subject_name_protected, subject_class_protected, created_by, created_at, narrative_protected)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            """,
            record.Id, record.CaseNumber, record.Kind, record.Chain, record.InstanceId, record.OriginAgencyId, record.SchoolId, record.County, record.Urgent, record.DrugLevel,
            record.SubjectNameProtected, record.SubjectClassProtected, record.CreatedBy, record.CreatedAt, record.NarrativeProtected));

    /// <summary>The id of the case with this number (TIP-115-000001), for filters that take either; null when there is none.</summary>
    public async Task<string?> IdOfNumberAsync(string caseNumber, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM cases c WHERE c.case_number = $1", cancellationToken, caseNumber.Trim().ToUpperInvariant())).FirstOrDefault()?.Id;

    /// <summary>The case by its id, whoever asks: for the engine's own work on it (its cancellation), never for a person.</summary>
    public async Task<CaseRecord?> FindAsync(string caseId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM cases c WHERE c.id = $1", cancellationToken, caseId)).FirstOrDefault();

    /// <summary>The user's earlier notification with this Idempotency-Key, naming the case it made; null when there was none.</summary>
    public Task<IdempotencyRequest?> FindNotificationRequestAsync(string userId, string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken) =>
        IdempotencyTable.Notifications.FindAsync(dataSource, userId, idempotencyKey, now, cancellationToken);

    /// <summary>
    /// The case if the agency may see it: it started it, it is the case's school, it is the liaison office
    /// of the case's county (given as <paramref name="liaisonCounty"/>), or a task of the case was routed to it.
    /// </summary>
    public async Task<CaseRecord?> FindVisibleAsync(string caseId, string agencyId, string? liaisonCounty, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM cases c WHERE c.id = $1 AND {Visible}", cancellationToken, caseId, agencyId, liaisonCounty)).FirstOrDefault();

    /// <summary>
    /// The cases the agency may see, newest first (then by id), <paramref name="limit"/> from <paramref name="offset"/>,
    /// each with its workflow's <c>caseStatus</c>: one query, however many cases a page shows. With a
    /// <paramref name="cursor"/>, the offset counts from the cursor's case (keyset paging): the cases after it, or with
    /// <see cref="CaseListCursor.Before"/> the newest ones before it (still listed newest first).
    /// </summary>
    /// <remarks>
    /// The visible cases are one index range per reason to see a case (<see cref="VisibleIds"/>): the same cases as
    /// <see cref="Visible"/>, but an OR with a correlated EXISTS over every case would read the whole table. Each range
    /// is already in the list's order and stops at offset + limit (the page cannot hold a case that is not among the
    /// first offset + limit of a reason it is visible for); they are merged as they are read and the merge stops at the
    /// page's end: page 1 reads about 51 entries of each reason, a page reached through a cursor as few however old it
    /// is, and a page asked for by its number (an offset) the entries before it once, with no hash and no sort. Only
    /// the page's rows are then read with their instance.
    /// </remarks>
    public async Task<IReadOnlyList<CaseListing>> ListVisibleAsync(string agencyId, string? liaisonCounty, int offset, int limit, CancellationToken cancellationToken, CaseListCursor? cursor = null)
    {
        var before = cursor?.Before == true;
        var order = before ? "c.created_at, c.id DESC" : "c.created_at DESC, c.id";
        var bound = before
            ? "($6::text IS NULL OR (c.created_at >= $6::text::timestamptz AND (c.created_at > $6::text::timestamptz OR c.id < $7)))"
            : "($6::text IS NULL OR (c.created_at <= $6::text::timestamptz AND (c.created_at < $6::text::timestamptz OR c.id > $7)))";
        var listings = new List<CaseListing>();
        await QueryAsync(
            $"""
            WITH page AS ({VisibleIds.Replace("{bound}", bound).Replace("{order}", order)} OFFSET $4::text::int LIMIT $5::text::int)
            SELECT {Columns}, i.variables->>'caseStatus'
            FROM page p JOIN cases c ON c.id = p.id LEFT JOIN instance_variables i ON i.instance_id = c.instance_id
            WHERE $1::text IS NULL
            ORDER BY c.created_at DESC, c.id
            """,
            (record, reader) => listings.Add(new CaseListing(record, reader.IsDBNull(15) ? null : reader.GetString(15))),
            cancellationToken, null, agencyId, liaisonCounty, offset.ToString(CultureInfo.InvariantCulture), limit.ToString(CultureInfo.InvariantCulture),
            cursor?.CreatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture), cursor?.Id, ((long)offset + limit).ToString(CultureInfo.InvariantCulture));
        return listings;
    }

    /// <summary>Counts by county, kind, drug level and the police outcome (the chain's <c>policeOutcome</c>), for cases created in [from, until).</summary>
    public async Task<IReadOnlyList<CaseCount>> CountAsync(DateTimeOffset from, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.county, c.kind, c.drug_level, i.variables->'policeOutcome'->>'outcome' AS outcome, count(*)::int
            FROM cases c JOIN instance_variables i ON i.instance_id = c.instance_id
            WHERE c.created_at >= $1 AND c.created_at < $2
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = from.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = until.ToUniversalTime() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<CaseCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new CaseCount(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4)));
        }

        return result;
    }

    /// <summary>The case with this number if the agency may see it (as <see cref="FindVisibleAsync"/>).</summary>
    public async Task<CaseRecord?> FindVisibleByNumberAsync(string caseNumber, string agencyId, string? liaisonCounty, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM cases c WHERE c.case_number = $1 AND {Visible}", cancellationToken, caseNumber, agencyId, liaisonCounty)).FirstOrDefault();

    /// <summary>
    /// The newest <paramref name="limit"/> cases whose team the agency is part of (started it, is its school, or is
    /// its county's liaison office) and that name a subject: the only cases whose names it may search.
    /// </summary>
    public Task<IReadOnlyList<CaseRecord>> TeamCasesWithSubjectAsync(string agencyId, string? liaisonCounty, int limit, CancellationToken cancellationToken) =>
        QueryAsync(
            $"""
            SELECT {Columns} FROM cases c
            WHERE c.subject_name_protected IS NOT NULL AND (c.origin_agency_id = $1 OR c.school_id = $1 OR ($2::text IS NOT NULL AND c.county = $2))
            ORDER BY c.created_at DESC LIMIT $3::text::int
            """,
            cancellationToken, agencyId, liaisonCounty, limit.ToString(CultureInfo.InvariantCulture));

    /// <summary>Records that the person opened the task (the first time only).</summary>
    public async Task MarkReadAsync(string userId, string taskId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO task_reads (user_id, task_id, read_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = taskId });
        command.Parameters.Add(new NpgsqlParameter { Value = at.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The agency's pending tasks the person has not opened yet. A task reopened after an interim outcome (偵辦中) is a new task of
    /// the same routing (same instance and <c>routeId</c>): opening the earlier one counts, so it does not show 未讀 again.
    /// </summary>
    public async Task<IReadOnlySet<string>> UnreadTaskIdsAsync(string agencyId, string userId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(UnreadCommand(agencyId, userId, null));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadUnreadAsync(reader, cancellationToken);
    }

    /// <summary>Of the agency's pending tasks (only <paramref name="taskIds"/> when given), those the person has not opened.</summary>
    private static NpgsqlBatchCommand UnreadCommand(string agencyId, string userId, string[]? taskIds) => new("""
        SELECT t.id FROM human_tasks t
        WHERE t.payload->>'agencyId' = $1 AND t.status = 'Pending' AND ($3::text[] IS NULL OR t.id = ANY($3))
          AND NOT EXISTS (SELECT 1 FROM task_reads r WHERE r.user_id = $2 AND r.task_id = t.id)
          AND NOT EXISTS (
              SELECT 1 FROM task_reads r JOIN human_tasks o ON o.id = r.task_id
              WHERE r.user_id = $2 AND o.instance_id = t.instance_id AND o.payload->>'routeId' = t.payload->>'routeId')
        """)
    {
        Parameters =
        {
            new NpgsqlParameter { Value = agencyId },
            new NpgsqlParameter { Value = userId },
            new NpgsqlParameter { Value = (object?)taskIds ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
        },
    };

    private static async Task<IReadOnlySet<string>> ReadUnreadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    /// <summary>The kind and urgency of each of the given cases that exists (what an inbox shows of a task's case).</summary>
    public async Task<IReadOnlyDictionary<string, (string Kind, bool Urgent)>> KindsAsync(IReadOnlyCollection<string> caseIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        if (caseIds.Count == 0)
        {
            return result;
        }

        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(KindsCommand(caseIds));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await ReadKindsAsync(reader, result, cancellationToken);
        return result;
    }

    private static NpgsqlBatchCommand KindsCommand(IReadOnlyCollection<string> caseIds) => new("SELECT id, kind, urgent FROM cases WHERE id = ANY($1)")
    {
        Parameters = { new NpgsqlParameter { Value = caseIds.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text } },
    };

    private static async Task ReadKindsAsync(NpgsqlDataReader reader, Dictionary<string, (string Kind, bool Urgent)> into, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken))
        {
            into[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2));
        }
    }

    /// <summary>
    /// The agency's tasks that were escalated away (closed at their deadline, with an escalated task of the same
    /// instance routed at that moment to <paramref name="escalationTargetId"/>, the next level up) while their workflow
    /// still runs, each with the name of the agency the escalation went to; one task only when <paramref name="taskId"/> is given.
    /// </summary>
    public async Task<IReadOnlyList<(string TaskId, string EscalatedTo)>> EscalatedAwayAsync(string agencyId, string escalationTargetId, string? taskId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(EscalatedAwayCommand(agencyId, escalationTargetId, taskId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var result = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetString(0), reader.IsDBNull(1) ? string.Empty : reader.GetString(1)));
        }

        return result;
    }

    /// <summary>The escalated-away tasks (see <see cref="EscalatedAwayAsync"/>): id, agency escalated to, then the case's id, kind and urgency when it exists.</summary>
    private static NpgsqlBatchCommand EscalatedAwayCommand(string agencyId, string escalationTargetId, string? taskId) => new("""
        SELECT x.id, x.agency_name, c.id, c.kind, c.urgent
        FROM (
            SELECT t.id, e.agency_name, t.payload->>'caseId' AS case_id, t.created_at
            FROM human_tasks t
            JOIN instance_variables i ON i.instance_id = t.instance_id
            JOIN LATERAL (
                SELECT n.payload->>'agencyName' AS agency_name FROM human_tasks n
                WHERE n.instance_id = t.instance_id AND n.created_at >= t.closed_at AND n.payload->>'escalated' = 'true' AND n.payload->>'agencyId' = $3
                ORDER BY n.created_at LIMIT 1) e ON true
            WHERE t.payload->>'agencyId' = $1 AND t.status = 'Cancelled' AND ($2::text IS NULL OR t.id = $2)
              AND i.status NOT IN ('Finished', 'Cancelled', 'Faulted') AND (t.payload->>'dueAt')::timestamptz <= t.closed_at
            ORDER BY t.created_at LIMIT 200) x
        LEFT JOIN cases c ON c.id = x.case_id
        ORDER BY x.created_at
        """)
    {
        Parameters =
        {
            new NpgsqlParameter { Value = agencyId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter { Value = (object?)taskId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            new NpgsqlParameter { Value = escalationTargetId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
        },
    };

    /// <summary>
    /// What an inbox shows beside the tasks the engine lists, in one round trip: which of <paramref name="taskIds"/> the person
    /// has not opened, the agency's tasks escalated away (when it has an <paramref name="escalationTargetId"/>), and the kind and
    /// urgency of <paramref name="caseIds"/> and of the escalated tasks' cases.
    /// </summary>
    public async Task<InboxDetails> InboxDetailsAsync(
        string agencyId, string userId, string? escalationTargetId, IReadOnlyCollection<string> taskIds, IReadOnlyCollection<string> caseIds, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(UnreadCommand(agencyId, userId, [.. taskIds]));
        batch.BatchCommands.Add(KindsCommand(caseIds));
        if (escalationTargetId is not null)
        {
            batch.BatchCommands.Add(EscalatedAwayCommand(agencyId, escalationTargetId, null));
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var unread = await ReadUnreadAsync(reader, cancellationToken);
        var kinds = new Dictionary<string, (string Kind, bool Urgent)>(StringComparer.Ordinal);
        await reader.NextResultAsync(cancellationToken);
        await ReadKindsAsync(reader, kinds, cancellationToken);
        var escalated = new List<(string, string)>();
        if (escalationTargetId is not null)
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                escalated.Add((reader.GetString(0), reader.IsDBNull(1) ? string.Empty : reader.GetString(1)));
                if (!reader.IsDBNull(2))
                {
                    kinds[reader.GetString(2)] = (reader.GetString(3), reader.GetBoolean(4));
                }
            }
        }

        return new InboxDetails(unread, escalated, kinds);
    }

    // $2: the viewer's agency; $3: the county whose liaison office the viewer is (or null).
    private const string Visible = """
        (c.origin_agency_id = $2 OR c.school_id = $2 OR ($3::text IS NOT NULL AND c.county = $3)
         OR EXISTS (SELECT 1 FROM case_routes r WHERE r.agency_id = $2 AND r.case_created_at = c.created_at AND r.case_id = c.id))
        """;

    // The created_at and id of the cases Visible admits: one branch per reason, each the first $8 past the cursor
    // ({bound}) in the list's {order} from an index already in that order (0470_case_routes.sql), so PostgreSQL merges
    // them as they come (Merge Append), drops a case seen for two reasons as it passes (Unique: DISTINCT ON, which
    // PostgreSQL never hashes) and stops at the page's end. A null $3 matches no county, as in Visible.
    private const string VisibleIds = """
        SELECT DISTINCT ON (c.created_at, c.id) c.created_at, c.id FROM (
            (SELECT c.created_at, c.id FROM cases c WHERE c.origin_agency_id = $2 AND {bound} ORDER BY {order} LIMIT $8::text::bigint)
            UNION ALL (SELECT c.created_at, c.id FROM cases c WHERE c.school_id = $2 AND {bound} ORDER BY {order} LIMIT $8::text::bigint)
            UNION ALL (SELECT c.created_at, c.id FROM cases c WHERE c.county = $3 AND {bound} ORDER BY {order} LIMIT $8::text::bigint)
            UNION ALL (SELECT c.created_at, c.id FROM case_routes AS c (agency_id, created_at, id)
                       WHERE c.agency_id = $2 AND {bound} ORDER BY {order} LIMIT $8::text::bigint)) c
        ORDER BY {order}
        """;

    private async Task<IReadOnlyList<CaseRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var result = new List<CaseRecord>();
        await QueryAsync(sql, (record, _) => result.Add(record), cancellationToken, parameters);
        return result;
    }

    private async Task QueryAsync(string sql, Action<CaseRecord, NpgsqlDataReader> row, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            row(new CaseRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8),
                reader.IsDBNull(9) ? null : reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.GetString(12), reader.GetFieldValue<DateTimeOffset>(13), reader.IsDBNull(14) ? null : reader.GetString(14)), reader);
        }
    }
}
