using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Integrations;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>What the pages mode was asked to do.</summary>
public sealed record PageQueryArguments(int Cases, int AuditRows, int Iterations, int WarmUp, bool Explain, int Readers = 100, int ClosedRequests = 1000, int ThinkMilliseconds = 1000, int OpenSeconds = 10)
{
    public const string Usage = "pages [--cases N] [--audit-rows N] [--iterations N] [--warm-up N] [--explain] [--readers N (0: no HTTP)] [--closed-requests N] [--think-ms N] [--open-seconds N]";

    public static PageQueryArguments Parse(IReadOnlyList<string> args)
    {
        var result = new PageQueryArguments(100_000, 2_000_000, 200, 20, false);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--explain")
            {
                result = result with { Explain = true };
                continue;
            }

            if (args[i] is not ("--cases" or "--audit-rows" or "--iterations" or "--warm-up" or "--readers" or "--closed-requests" or "--think-ms" or "--open-seconds"))
            {
                throw new ArgumentException($"unknown option {args[i]}. Usage: {Usage}");
            }

            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            var least = args[i] == "--readers" ? 0 : 1;
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= least
                ? n
                : throw new ArgumentException($"{args[i]} expects a whole number of at least {least}, not '{value}'.");
            result = args[i] switch
            {
                "--cases" => result with { Cases = number },
                "--audit-rows" => result with { AuditRows = number },
                "--iterations" => result with { Iterations = number },
                "--readers" => result with { Readers = number },
                "--closed-requests" => result with { ClosedRequests = number },
                "--think-ms" => result with { ThinkMilliseconds = number },
                "--open-seconds" => result with { OpenSeconds = number },
                _ => result with { WarmUp = number },
            };
            i++;
        }

        return result;
    }
}

/// <summary>
/// The queries behind the pages a case worker opens all day (/inbox, /cases, /cases/{id}, /admin/audit), timed
/// against years of history: a private PostgreSQL seeded by SQL with the given number of cases (default 100,000,
/// about ten years at ten times the expected rate), their instances, four tasks each, ten journal lines per
/// instance and the given number of audit rows (default 2 million). Each query runs through the store the page
/// uses, sequentially, after a warm-up; the table gives median and p95.
/// </summary>
public sealed class PageQueryBenchmark(PageQueryArguments arguments, TextWriter output)
{
    private const string Database = "bench";
    private const string BusyStation = "kee-p1-zhong-er-rd";
    private const string BigSchool = "kee-sch-chenggong-jh";
    private const string Outsider = "cyi-p1-beixing";
    private const string County = "TW-KEE";

    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error) =>
        BenchmarkMode.RunAsync(args, PageQueryArguments.Parse, (arguments, cancellationToken) => new PageQueryBenchmark(arguments, output).RunAsync(cancellationToken), error);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"adf-bench-pages-{Environment.ProcessId}");
        await using var cluster = new EmbeddedPostgresCluster(directory, durable: false);
        cluster.StopAndDeleteWhenProcessEnds(Environment.ProcessId);
        try
        {
            await cluster.StartAsync(cancellationToken);
            await cluster.CreateDatabaseIfMissingAsync(Database, cancellationToken);
            var connectionString = cluster.ConnectionString(Database);
            await using (var migrations = NpgsqlDataSource.Create(connectionString))
            {
                await new SchemaMigrator(migrations, [new SchemaScripts(typeof(Workflows.ChainsExtensions).Assembly), new SchemaScripts(typeof(PostgresAuditLog).Assembly), new SchemaScripts(typeof(IntegrationsExtensions).Assembly)], NullLogger<SchemaMigrator>.Instance)
                    .MigrateAsync(cancellationToken);
            }

            var agencies = BenchmarkAgencies.Build(FindAgencyFolder());
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var watch = Stopwatch.StartNew();
            await SeedAsync(dataSource, agencies, cancellationToken);
            output.WriteLine($"seeded in {watch.Elapsed.TotalSeconds:0} s: {await SizesAsync(dataSource, cancellationToken)}");
            output.WriteLine($"{agencies.Schools.Count:N0} schools, {agencies.Stations.Count:N0} stations, {agencies.Liaisons.Count} liaison offices; {Environment.ProcessorCount} cores, load average {LoadAverage()}");

            var targets = await TargetsAsync(dataSource, agencies, cancellationToken);
            var measured = await MeasureAllAsync(dataSource, targets, cancellationToken);
            WriteTable(measured);

            if (arguments.Readers > 0)
            {
                await new PageReaders(arguments.Readers, arguments.ClosedRequests, TimeSpan.FromMilliseconds(arguments.ThinkMilliseconds), TimeSpan.FromSeconds(arguments.OpenSeconds), output)
                    .MeasureAsync(connectionString, directory, ReaderPages(targets), cancellationToken);
            }

            if (arguments.Explain)
            {
                await ExplainAsync(cluster, connectionString, targets, cancellationToken);
            }

            await cluster.StopAsync(cancellationToken);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // The watchdog removes it once this process has gone.
            }
        }
    }

    private sealed record Measured(string Query, int Rows, List<double> Milliseconds);

    /// <summary>What the measured pages show: a case routed to the busy station, the school's newest case, the last audit time, the offsets of each viewer's oldest page.</summary>
    private sealed record Targets(string Liaison, string RoutedCase, string RecentCase, DateTimeOffset LastAudit, int SchoolDeep, int StationDeep, int LiaisonDeep)
    {
        /// <summary>Where the previous page of the liaison office's oldest one ends: what that page's 較早的案件 link carries.</summary>
        public CaseListCursor? LiaisonDeepCursor { get; init; }
    }

    private async Task<Targets> TargetsAsync(NpgsqlDataSource dataSource, BenchmarkAgencies agencies, CancellationToken cancellationToken)
    {
        var cases = new PostgresCaseStore(dataSource);
        var liaison = agencies.Liaisons[County];
        var routedCase = await ScalarAsync(dataSource, $"SELECT payload->>'caseId' FROM human_tasks WHERE payload->>'agencyId' = '{BusyStation}' ORDER BY created_at LIMIT 1 OFFSET 100", cancellationToken);
        var recentCase = await ScalarAsync(dataSource, $"SELECT id FROM cases WHERE school_id = '{BigSchool}' ORDER BY created_at DESC LIMIT 1", cancellationToken);
        var lastAudit = DateTimeOffset.Parse(await ScalarAsync(dataSource, "SELECT to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM audit_log", cancellationToken), CultureInfo.InvariantCulture);

        async Task<int> DeepOffsetAsync(string agencyId, string? county)
        {
            var total = 0;
            while ((await cases.ListVisibleAsync(agencyId, county, total, 1000, cancellationToken)).Count is var n and > 0)
            {
                total += n;
            }

            return Math.Max(0, ((total - 1) / CaseListPage.Size) * CaseListPage.Size);
        }

        var schoolDeep = await DeepOffsetAsync(BigSchool, null);
        var stationDeep = await DeepOffsetAsync(BusyStation, null);
        var liaisonDeep = await DeepOffsetAsync(liaison, County);
        output.WriteLine($"visible cases: school {schoolDeep + CaseListPage.Size:N0} at most, busy station {stationDeep + CaseListPage.Size:N0} at most, liaison office {liaisonDeep + CaseListPage.Size:N0} at most (deep page = the oldest page)");
        var beforeDeep = liaisonDeep > 0 ? (await cases.ListVisibleAsync(liaison, County, liaisonDeep - 1, 1, cancellationToken)).Single().Case : null;
        return new Targets(liaison, routedCase, recentCase, lastAudit, schoolDeep, stationDeep, liaisonDeep)
        {
            LiaisonDeepCursor = beforeDeep is null ? null : new CaseListCursor(beforeDeep.CreatedAt, beforeDeep.Id),
        };
    }

    /// <summary>The pages of the store queries below, as the viewers open them (demo accounts of the same agencies).</summary>
    private static List<ReaderPage> ReaderPages(Targets t) =>
    [
        new("/inbox, busy station", "police.kl-zhong-er-rd", "/inbox"),
        new("/cases page 1, school", "school.kl-chenggong-jh", "/cases"),
        new("/cases page 1, busy station", "police.kl-zhong-er-rd", "/cases"),
        new($"/cases oldest page ({t.StationDeep / CaseListPage.Size + 1}), busy station", "police.kl-zhong-er-rd", $"/cases?page={t.StationDeep / CaseListPage.Size + 1}"),
        new("/cases page 1, liaison office", "liaison.kl", "/cases"),
        new($"/cases oldest page ({t.LiaisonDeep / CaseListPage.Size + 1}), liaison office", "liaison.kl", $"/cases?page={t.LiaisonDeep / CaseListPage.Size + 1}"),
        new($"/cases oldest page ({t.LiaisonDeep / CaseListPage.Size + 1}) through its link's cursor, liaison office", "liaison.kl", $"/cases?page={t.LiaisonDeep / CaseListPage.Size + 1}&after={t.LiaisonDeepCursor}"),
        new("/cases/{id}, busy station (routed case)", "police.kl-zhong-er-rd", $"/cases/{t.RoutedCase}"),
        new("/admin/audit, administrator (newest)", "admin", "/admin/audit"),
        new("/admin/audit?case=, administrator", "admin", $"/admin/audit?case={t.RoutedCase}"),
    ];

    private async Task<List<Measured>> MeasureAllAsync(NpgsqlDataSource dataSource, Targets targets, CancellationToken cancellationToken)
    {
        var cases = new PostgresCaseStore(dataSource);
        var instances = new PostgresInstanceStore(dataSource);
        var audit = new PostgresAuditLog(dataSource);
        var (liaison, routedCase, recentCase, lastAudit, schoolDeep, stationDeep, liaisonDeep) = targets;

        var queries = new (string Name, Func<Task<int>> Run)[]
        {
            ("inbox, busy station (pending tasks)", async () => (await instances.ListTasksForAgencyAsync(BusyStation, HumanTaskStatus.Pending, 0, 100, cancellationToken)).Tasks.Count),
            ("case list page 1, school", async () => (await cases.ListVisibleAsync(BigSchool, null, 0, CaseListPage.Size + 1, cancellationToken)).Count),
            ($"case list oldest page (offset {schoolDeep:N0}), school", async () => (await cases.ListVisibleAsync(BigSchool, null, schoolDeep, CaseListPage.Size + 1, cancellationToken)).Count),
            ("case list page 1, busy station", async () => (await cases.ListVisibleAsync(BusyStation, null, 0, CaseListPage.Size + 1, cancellationToken)).Count),
            ($"case list oldest page (offset {stationDeep:N0}), busy station", async () => (await cases.ListVisibleAsync(BusyStation, null, stationDeep, CaseListPage.Size + 1, cancellationToken)).Count),
            ("case list page 1, liaison office", async () => (await cases.ListVisibleAsync(liaison, County, 0, CaseListPage.Size + 1, cancellationToken)).Count),
            ($"case list oldest page (offset {liaisonDeep:N0}), liaison office", async () => (await cases.ListVisibleAsync(liaison, County, liaisonDeep, CaseListPage.Size + 1, cancellationToken)).Count),
            ($"case list oldest page through its link's cursor, liaison office", async () => (await cases.ListVisibleAsync(liaison, County, 0, CaseListPage.Size + 1, cancellationToken, targets.LiaisonDeepCursor)).Count),
            ("visible case, found through a routed task", async () => await cases.FindVisibleAsync(routedCase, BusyStation, null, cancellationToken) is null ? 0 : 1),
            ("visible case, outsider (not found)", async () => await cases.FindVisibleAsync(routedCase, Outsider, null, cancellationToken) is null ? 0 : 1),
            ("timeline of one case (instances + journals)", async () =>
            {
                var lines = 0;
                foreach (var summary in await instances.ListInstancesAsync(new InstanceFilter(CorrelationId: recentCase, PageSize: 50), cancellationToken))
                {
                    lines += (await instances.JournalAsync(summary.Id, cancellationToken)).Count;
                }

                return lines;
            }),
            ("audit log, by case", async () => (await audit.QueryAsync(new AuditQuery(CaseId: routedCase), cancellationToken)).Count),
            ("audit log, by date range (one month)", async () => (await audit.QueryAsync(new AuditQuery(From: lastAudit.AddMonths(-13), To: lastAudit.AddMonths(-12)), cancellationToken)).Count),
            ("audit log, by user and date range", async () => (await audit.QueryAsync(new AuditQuery(UserId: "user-17", From: lastAudit.AddYears(-3), To: lastAudit.AddYears(-2)), cancellationToken)).Count),
        };

        var result = new List<Measured>();
        foreach (var (name, run) in queries)
        {
            var rows = 0;
            for (var i = 0; i < arguments.WarmUp; i++)
            {
                rows = await run();
            }

            var times = new List<double>(arguments.Iterations);
            for (var i = 0; i < arguments.Iterations; i++)
            {
                var started = Stopwatch.GetTimestamp();
                rows = await run();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            times.Sort();
            result.Add(new Measured(name, rows, times));
        }

        return result;
    }

    private void WriteTable(List<Measured> measured)
    {
        output.WriteLine();
        output.WriteLine($"{arguments.Iterations} iterations after {arguments.WarmUp} warm-up, load average {LoadAverage()}");
        output.WriteLine("| query | rows | median ms | p95 ms | max ms |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var m in measured)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {m.Query} | {m.Rows} | {Percentile(m.Milliseconds, 0.5):0.00} | {Percentile(m.Milliseconds, 0.95):0.00} | {m.Milliseconds[^1]:0.00} |"));
        }
    }

    /// <summary>The plans of the stores' own SQL, logged by auto_explain on a second data source and copied from the server log.</summary>
    private async Task ExplainAsync(EmbeddedPostgresCluster cluster, string connectionString, Targets targets, CancellationToken cancellationToken)
    {
        var log = Path.Combine(cluster.DataDirectory, "server.log");
        var before = new FileInfo(log).Length;
        var explained = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Options = "-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on",
        }.ConnectionString;
        await using (var dataSource = NpgsqlDataSource.Create(explained))
        {
            var once = new PageQueryBenchmark(arguments with { Iterations = 1, WarmUp = 0 }, TextWriter.Null);
            await once.MeasureAllAsync(dataSource, targets, cancellationToken);
        }

        await Task.Delay(500, cancellationToken);
        await using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(before, SeekOrigin.Begin);
        output.WriteLine();
        output.WriteLine("plans (auto_explain):");
        output.WriteLine(await new StreamReader(stream).ReadToEndAsync(cancellationToken));
    }

    private async Task SeedAsync(NpgsqlDataSource dataSource, BenchmarkAgencies agencies, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var start = now.AddYears(-10);
        var step = TimeSpan.FromTicks((now - start).Ticks / arguments.Cases);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, """
            CREATE TEMP TABLE bench_school (n int PRIMARY KEY, id text, county text, station text, precinct text, liaison text);
            CREATE TEMP TABLE bench_station (n int PRIMARY KEY, id text, precinct text, county text);
            """, cancellationToken);
        await EngineBulkLoad.InsertAsync(connection, EngineTable.Definitions, "SELECT 'bench-chain:v1', 'bench-chain', 1, 'bench-chain', true, true, '{}'::jsonb, now(), now()", cancellationToken);
        await using (var writer = await connection.BeginTextImportAsync("COPY bench_school FROM STDIN", cancellationToken))
        {
            foreach (var (school, i) in agencies.Schools.Select((s, i) => (s, i)))
            {
                await writer.WriteLineAsync(string.Join('\t', i, school.Id, school.County, school.Station, school.Precinct, agencies.Liaisons[school.County]));
            }
        }

        await using (var writer = await connection.BeginTextImportAsync("COPY bench_station FROM STDIN", cancellationToken))
        {
            foreach (var (station, i) in agencies.Stations.Select((s, i) => (s, i)))
            {
                await writer.WriteLineAsync(string.Join('\t', i, station.Id, station.Precinct, station.County));
            }
        }

        // Case g: created at start + g·step. One in ten goes to a school of the shipped directory (big schools),
        // the rest spread over all; half are started by the school, four in ten by a station, one in ten by the
        // liaison office; one in forty is routed to the busy station whatever the school.
        await ExecuteAsync(connection, $"""
            CREATE TEMP TABLE bench_case AS
            SELECT g, $1::timestamptz + g * $2::interval AS created_at,
                   lpad(to_hex((extract(epoch FROM $1::timestamptz + g * $2::interval) * 1000)::bigint), 12, '0') || substr(md5(g::text), 1, 20) AS id,
                   s.id AS school, s.county, CASE WHEN g % 40 = 0 THEN '{BusyStation}' ELSE s.station END AS station,
                   s.precinct, s.liaison, g % 10 AS origin_kind
            FROM generate_series(1, $3) g
            JOIN bench_school s ON s.n = CASE WHEN g % 10 = 3 THEN abs(hashint4(g)) % {agencies.DirectorySchools} ELSE abs(hashint4(g + 7)) % {agencies.Schools.Count} END;
            CREATE INDEX ON bench_case (g);

            INSERT INTO cases (id, case_number, kind, chain, instance_id, origin_agency_id, school_id, county, urgent, drug_level, created_by, created_at)
            SELECT id, (ARRAY['TIP','SCR','SEZ','FTO'])[origin_kind % 4 + 1] || '-' || (extract(year FROM created_at)::int - 1911) || '-' || lpad(g::text, 7, '0'),
                   (ARRAY['DrugSource','ScreeningPositive','CampusSeizure','FirstTimeOffender'])[origin_kind % 4 + 1], 'bench-chain', 'inst-' || id,
                   CASE WHEN origin_kind < 5 THEN school WHEN origin_kind < 9 THEN station ELSE liaison END, school, county,
                   g % 7 = 0, 1 + g % 4, 'user-' || (g % 6000), created_at
            FROM bench_case;

            """, cancellationToken, start, step, arguments.Cases, now, arguments.AuditRows);

        object[] rowParameters = [start, step, arguments.Cases, now, arguments.AuditRows];
        foreach (var (table, select) in EngineRows)
        {
            await EngineBulkLoad.InsertAsync(connection, table, select, cancellationToken, rowParameters);
        }

        await ExecuteAsync(connection, $"""
            -- Audit rows evenly over the ten years: six in ten name a case, the rest are lists and sign-ins.
            INSERT INTO audit_log (at, user_id, agency_id, action, case_id, details)
            SELECT $1::timestamptz + ($4::timestamptz - $1::timestamptz) * (a::float8 / $5), 'user-' || (abs(hashint4(a)) % 6000), s.id,
                   (ARRAY['case.read','case.timeline','task.complete','case.read','case.timeline','case.read.denied','case.list','account.signed-in','case.list','account.signed-out'])[1 + a % 10],
                   CASE WHEN a % 10 < 6 THEN c.id END, CASE WHEN a % 10 = 6 THEN 'page 1: 50 cases' END
            FROM generate_series(1, $5) a
            JOIN bench_station s ON s.n = abs(hashint4(a + 3)) % {agencies.Stations.Count}
            LEFT JOIN bench_case c ON c.g = 1 + (abs(hashint4(a + 11)) % $3);

            -- Years-old rows have long been vacuumed (autovacuum visits a table after inserts too) and their pages marked
            -- all-visible, so an index-only scan of them need not read the table; a freshly seeded database would.
            VACUUM (ANALYZE);
            """, cancellationToken, start, step, arguments.Cases, now, arguments.AuditRows);
    }

    /// <summary>The engine's rows of every case: its instance, four tasks and ten journal entries (parameters as in <see cref="SeedAsync"/>).</summary>
    private static readonly (EngineTable Table, string Select)[] EngineRows =
    [
        (EngineTable.Instances, """
            SELECT 'inst-' || id, 'bench-chain', 'bench-chain:v1', 1,
            CASE WHEN created_at > $4::timestamptz - interval '60 days' OR g % 97 = 0 THEN 'Suspended' ELSE 'Finished' END, id,
            jsonb_build_object('variables', jsonb_build_object('caseId', id, 'caseStatus', (ARRAY['已通報','警方已受理','警方回報：查獲','輔導中','已結案'])[1 + g % 5])),
            created_at, created_at + interval '3 days', CASE WHEN created_at > $4::timestamptz - interval '60 days' OR g % 97 = 0 THEN NULL ELSE created_at + interval '90 days' END
            FROM bench_case
            """),
        // Four tasks a case: the station acknowledges and reports, the school cares, and either the precinct
        // (escalated, one in ten) or the liaison office follows up. Recent cases and one in 97 are still pending.
        (EngineTable.Tasks, """
            SELECT 'task-' || c.g || '-' || k, 'inst-' || c.id, 'bm-' || c.g || '-' || k, 'task' || k, t.name,
            jsonb_build_object('agencyId', t.agency, 'caseId', c.id, 'caseNumber', 'N-' || c.g, 'taskKind', CASE WHEN k = 1 THEN 'Acknowledge' ELSE 'Report' END,
            'dueAt', to_char((c.created_at + k * interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'escalated', k = 4 AND c.g % 10 = 0, 'outcomes', '["查獲","未查獲"]'::jsonb),
            CASE WHEN k > 1 AND (c.created_at > $4::timestamptz - interval '60 days' OR c.g % 97 = 0) THEN 'Pending' ELSE 'Completed' END,
            c.created_at + (k - 1) * interval '1 hour',
            CASE WHEN k > 1 AND (c.created_at > $4::timestamptz - interval '60 days' OR c.g % 97 = 0) THEN NULL ELSE c.created_at + k * interval '1 day' END
            FROM bench_case c
            CROSS JOIN generate_series(1, 4) k
            CROSS JOIN LATERAL (SELECT CASE k WHEN 1 THEN c.station WHEN 2 THEN c.station WHEN 3 THEN c.school ELSE CASE WHEN c.g % 10 = 0 THEN c.precinct ELSE c.liaison END END AS agency,
            (ARRAY['受理通報','回報處理結果','輔導紀錄','追蹤'])[k] AS name) t
            """),
        (EngineTable.Journal, """
            SELECT 'inst-' || c.id, json_agg(json_build_object('at', c.created_at + j * interval '7 hours', 'activityId', 'step' || j, 'activityType', 'AntiDrugFlow.RouteTask',
            'event', (ARRAY['WorkflowStarted','TaskRouted','Reminded','TaskCompleted','CaseStatus','Notified','TaskRouted','TaskCompleted','Activity','WorkflowFinished'])[j],
            'message', '第 ' || j || ' 步：基隆市警察局第一分局忠二路派出所：受理通報（期限 民國115年11月21日 下午 3:00）') ORDER BY j)
            FROM bench_case c CROSS JOIN generate_series(1, 10) j
            GROUP BY c.id
            """),
    ];

    /// <summary>Runs the statements one by one (PostgreSQL takes one statement per parameterised command), each with all the parameters.</summary>
    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        foreach (var statement in sql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
            foreach (var value in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<string> ScalarAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<string> SizesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await ScalarAsync(dataSource, """
            SELECT string_agg(format('%s %s rows', relname, to_char(reltuples, 'FM9,999,999,999')), ', ' ORDER BY relname) || format(', database %s', pg_size_pretty(pg_database_size(current_database())))
            FROM pg_class WHERE relname = ANY($1)
            """, cancellationToken, new object[] { (string[])["cases", "audit_log", .. new[] { EngineTable.Instances, EngineTable.Tasks, EngineTable.Journal }.Select(EngineBulkLoad.TableName)] });

    private static string FindAgencyFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "workflows-json", "agencies");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("workflows-json/agencies not found above the benchmark's folder");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>
/// The shipped directory's schools, stations and liaison offices, padded with synthetic ones to the national
/// scale of DOMAIN.md §6 (3,900 schools, about 1,500 stations, over the 22 counties).
/// </summary>
public sealed record BenchmarkAgencies(IReadOnlyList<BenchmarkAgencies.School> Schools, IReadOnlyList<BenchmarkAgencies.Station> Stations, IReadOnlyDictionary<string, string> Liaisons, int DirectorySchools)
{
    public sealed record School(string Id, string County, string Station, string Precinct);

    public sealed record Station(string Id, string Precinct, string County);

    public static BenchmarkAgencies Build(string folder)
    {
        var agencies = Directory.GetFiles(folder, "*.json")
            .SelectMany(f => JsonNode.Parse(File.ReadAllText(f))!["agencies"]!.AsArray())
            .Select(a => a!.AsObject())
            .ToList();
        string Text(JsonObject a, string field) => a[field]?.GetValue<string>() ?? string.Empty;
        var parents = agencies.ToDictionary(a => Text(a, "id"), a => Text(a, "parent"));
        var stations = agencies.Where(a => Text(a, "kind") == "PoliceStation").Select(a => new Station(Text(a, "id"), Text(a, "parent"), Text(a, "county"))).ToList();
        var schools = agencies.Where(a => Text(a, "kind") == "School")
            .Select(a => new School(Text(a, "id"), Text(a, "county"), Text(a, "policeStation"), parents.GetValueOrDefault(Text(a, "policeStation"), string.Empty)))
            .ToList();
        var liaisons = agencies.Where(a => Text(a, "kind") == "LiaisonOffice").ToDictionary(a => Text(a, "county"), a => Text(a, "id"));
        var counties = liaisons.Keys.Order(StringComparer.Ordinal).ToList();
        var directorySchools = schools.Count;
        for (var i = stations.Count; i < 1_500; i++)
        {
            var county = counties[i % counties.Count];
            stations.Add(new Station($"syn-station-{i}", $"syn-precinct-{county}-{i % 7}", county));
        }

        for (var i = schools.Count; i < 3_900; i++)
        {
            var station = stations[(i * 7) % stations.Count];
            schools.Add(new School($"syn-school-{i}", station.County, station.Id, station.Precinct));
        }

        return new BenchmarkAgencies(schools, stations, liaisons, directorySchools);
    }
}
