using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Email;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>
/// The whole system in-process as users meet it: login required, the demo accounts, the shipped chains and
/// agency directory, a real PostgreSQL and a real SMTP server; the clock in the test's hands; every log line kept.
/// </summary>
public sealed class ChainsHost : IAsyncDisposable
{
    public const string Password = "TestDemoPass2026";

    private readonly ApiFactory _api;

    private ChainsHost(ApiFactory api, SmtpTestServer smtp, TestClock clock, ConcurrentQueue<string> logs, Action<IServiceCollection>? configureServices)
    {
        _api = api;
        Smtp = smtp;
        Clock = clock;
        Logs = logs;
        Factory = api.WithWebHostBuilder(b =>
        {
            b.ConfigureTestServices(s =>
            {
                s.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
                s.AddSingleton<TimeProvider>(clock);
                s.AddSingleton<ILoggerProvider>(new CollectingLoggerProvider(logs));
                configureServices?.Invoke(s);
            });
        });
    }

    public WebApplicationFactory<Program> Factory { get; }

    public SmtpTestServer Smtp { get; }

    public TestClock Clock { get; }

    /// <summary>Every log line the host wrote, formatted, with each structured value and scope on its own line, to search for personal data.</summary>
    public ConcurrentQueue<string> Logs { get; }

    /// <param name="configureServices">Test services added last, e.g. an in-memory telemetry exporter.</param>
    /// <param name="connectionString">A database of the test's own (see <see cref="ApiFactory.CreateAsync"/>).</param>
    public static async Task<ChainsHost> StartAsync(IReadOnlyDictionary<string, string>? extraSettings = null, Action<IServiceCollection>? configureServices = null, string? connectionString = null)
    {
        var smtp = await SmtpTestServer.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Security:RequireLogin"] = "true",
            ["Demo:SeedAccounts"] = "true",
            ["Demo:Password"] = Password,
            ["Workflows:Directory"] = Host.Infrastructure.ProjectPaths.WorkflowsDirectory(),
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["App:BaseUrl"] = "https://antidrugflow.test",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var host = new ChainsHost(await ApiFactory.CreateAsync(settings, connectionString), smtp, new TestClock(), new ConcurrentQueue<string>(), configureServices);
        host.Factory.CreateClient().Dispose();
        return host;
    }

    public async Task<HttpClient> SignedInAsync(string userName, bool followRedirects = true)
    {
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects });
        var response = await client.PostAsJsonAsync("/api/account/login", new { userName, password = Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    /// <summary>Moves the clock and fires what came due, as the scheduler would.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        var runtime = Factory.Services.GetRequiredService<WorkflowRuntime>();
        while (await runtime.FireDueTimersAsync(200, CancellationToken.None) > 0)
        {
            // Timers set by what just fired may be due too.
        }
    }

    /// <summary>Delivers the outbox (emails to the SMTP server, started workflows, events) until nothing is due.</summary>
    public async Task DeliverAsync()
    {
        var dispatcher = Factory.Services.GetRequiredService<OutboxDispatcher>();
        for (var round = 0; round < 20 && await dispatcher.DeliverDueAsync(CancellationToken.None) > 0; round++)
        {
            // Started workflows may queue mail of their own.
        }
    }

    public static async Task<JsonNode> BodyAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    /// <summary>The instances matching <paramref name="filter"/>, through the engine's instance queries.</summary>
    public Task<IReadOnlyList<InstanceSummary>> InstancesAsync(InstanceFilter filter) =>
        Factory.Services.GetRequiredService<IWorkflowInstanceQueries>().ListInstancesAsync(filter, CancellationToken.None);

    /// <summary>The outbox messages matching <paramref name="filter"/>, through the engine's outbox store.</summary>
    public Task<IReadOnlyList<OutboxItem>> OutboxAsync(OutboxFilter filter) =>
        Factory.Services.GetRequiredService<IOutboxStore>().ListAsync(filter, CancellationToken.None);

    /// <summary>Tasks through the engine's task queries.</summary>
    public IHumanTaskQueries Tasks => Factory.Services.GetRequiredService<IHumanTaskQueries>();

    /// <summary>The database the host runs on.</summary>
    public string ConnectionString => _api.ConnectionString;

    /// <summary>The ids of every workflow instance, through the engine's instance queries (its tables are its own).</summary>
    public async Task<HashSet<string>> InstanceIdsAsync()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; ; page++)
        {
            var found = await Factory.Services.GetRequiredService<IWorkflowInstanceQueries>().ListInstancesAsync(new InstanceFilter(Page: page, PageSize: 500), CancellationToken.None);
            ids.UnionWith(found.Select(i => i.Id));
            if (found.Count < 500)
            {
                return ids;
            }
        }
    }

    /// <summary>One value of a query on the host's database, through the host's own data source (its pool), not a new one per call.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql, params object?[] parameters)
    {
        await using var command = Command(sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Makes the audit log refuse every row of <paramref name="action"/>, as a full disk or a crash between two separate
    /// writes would lose it, until the result is disposed.
    /// </summary>
    public async Task<IAsyncDisposable> RefuseAuditRowsAsync(string action)
    {
        var name = "refuse_" + action.Replace('.', '_').Replace('-', '_');
        await ExecuteAsync($"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.action = '{action}' THEN RAISE EXCEPTION 'audit refused'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {name} BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION {name}();
            """);
        return new Undo(() => ExecuteAsync($"DROP TRIGGER {name} ON audit_log; DROP FUNCTION {name}();"));
    }

    private Npgsql.NpgsqlCommand Command(string sql, object?[] parameters)
    {
        var command = Factory.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(Workflows.Persistence.Sql.Parameter(parameter));
        }

        return command;
    }

    private sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await _api.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                lines.Enqueue($"{category} scope: {state} {Values(state)}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception} {Values(state)}");

            // A structured value may be left out of the message text and still reach an exporter.
            private static string Values<TState>(TState state) =>
                state is IEnumerable<KeyValuePair<string, object?>> values ? string.Join(' ', values.Select(v => $"{v.Key}={v.Value}")) : string.Empty;
        }
    }
}
