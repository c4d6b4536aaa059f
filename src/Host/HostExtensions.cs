using System.Text.Json.Serialization;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Host.Apis;
using AntiDrugFlow.Host.Apis.Elsa;
using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Host.Components;
using AntiDrugFlow.Host.Diagnostics;
using AntiDrugFlow.Host.Health;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Host.Operations;
using AntiDrugFlow.Integrations;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;

namespace AntiDrugFlow.Host;

public static class HostExtensions
{
    /// <summary>Database (configured or embedded), engine, integrations, accounts and access, problem details and OpenAPI.</summary>
    public static async Task<WebApplicationBuilder> AddAntiDrugFlowAsync(this WebApplicationBuilder builder)
    {
        var progress = new StartupProgress();
        builder.Services.AddSingleton(progress);
        var (connectionString, embedded) = await progress.TimeAsync("database", () => Database.ResolveAsync(builder.Configuration, CancellationToken.None));
        if (embedded is not null)
        {
            builder.Services.AddSingleton(embedded);
            builder.Services.AddHostedService<EmbeddedDatabaseLifetime>();
            // Without an SMTP server configured, mail goes to a pickup folder beside the database.
            builder.Configuration["Smtp:PickupDirectory"] ??= Path.Combine(ProjectPaths.DataDirectory(), "mail-pickup");
        }

        // The demo accounts, whose password is printed in the README, exist only in the embedded demonstration
        // unless asked for; elsewhere the first administrator comes from `accounts create-admin`.
        if (string.IsNullOrEmpty(builder.Configuration["Demo:SeedAccounts"]))
        {
            builder.Configuration["Demo:SeedAccounts"] = embedded is null ? "false" : "true";
        }

        RequireKeyEncryption(builder, embedded is not null);

        // Emails link to the public address. The demonstration links to where this host listens; elsewhere an unset
        // address is warned about at start (PrepareDatabaseAsync), since links to localhost reach nobody.
        if (WorkflowComposition.PublicAddress(builder.Configuration) is null && embedded is not null)
        {
            builder.Configuration["App:PublicAddress"] = ListeningAddress(builder.Configuration);
        }

        // One budget of connections for every pool this host opens (Database:MaxConnections).
        var budget = ConnectionBudget.From(builder.Configuration);
        builder.Services.AddSingleton(budget);
        builder.AddAgencyDirectory(out var agencies);
        builder.Services.AddWorkflowSystem(budget.ForEngine(connectionString), builder.Configuration, agencies);
        builder.Services.AddDefinitionSources();
        builder.AddIntegrations();
        builder.AddDeadlines(budget.ForBackgroundJobs(connectionString), builder.Configuration["Workflows:Directory"] ?? ProjectPaths.WorkflowsDirectory());
        builder.AddAccounts();
        builder.AddElsaApi();
        builder.Services.AddCases();
        builder.Services.AddProblemDetails();
        builder.AddTransientDatabaseErrors();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddOpenApi();
        builder.AddOperations();
        builder.AddWebPages();
        builder.AddSecurityHeaders();
        builder.AddServiceHealth();
        builder.AddTelemetry();
        // On SIGTERM every background service stops claiming work and hands back what it holds within this time.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("Shutdown:Timeout", TimeSpan.FromSeconds(30)));
        return builder;
    }

    /// <summary>Set to true to run without a key-encryption certificate outside the embedded demonstration (logged as a warning at start).</summary>
    public const string AllowUnencryptedKeysSetting = "DataProtection:AllowUnencryptedKeys";

    /// <summary>
    /// The Data Protection keys that encrypt minors' personal data sit in the same database as the data. Outside the embedded
    /// demonstration the host does not start unless a certificate encrypts them (DataProtection:CertificatePath), or an
    /// operator has said explicitly that it may run without one, which is logged as a warning at every start.
    /// </summary>
    private static void RequireKeyEncryption(WebApplicationBuilder builder, bool embedded)
    {
        if (embedded || !string.IsNullOrWhiteSpace(builder.Configuration["DataProtection:CertificatePath"]))
        {
            return;
        }

        if (!builder.Configuration.GetValue(AllowUnencryptedKeysSetting, false))
        {
            throw new InvalidOperationException(
                "No key-encryption certificate: set DataProtection:CertificatePath (a PKCS#12 file) and DataProtection:CertificatePassword, so the " +
                $"Data Protection keys are not readable from a copy of the database; or set {AllowUnencryptedKeysSetting}=true to run without one (not recommended).");
        }

        builder.Services.AddHostedService<UnencryptedKeysWarning>();
    }

    /// <summary>The first address the host listens on (--urls, ASPNETCORE_URLS), with a wildcard host read as localhost.</summary>
    private static string ListeningAddress(IConfiguration configuration)
    {
        var first = (configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "http://localhost:5000";
        return System.Text.RegularExpressions.Regex.Replace(first, "://(\\*|\\+|0\\.0\\.0\\.0|\\[::\\])(?=[:/]|$)", "://localhost");
    }

    /// <summary>Applies the schema scripts, puts the agency directory in force and imports the definitions in workflows-json.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        if (WorkflowComposition.PublicAddress(app.Configuration) is null)
        {
            app.Logger.LogWarning("App__PublicAddress is not set: links in emails point to http://localhost:5000, which recipients cannot open. Set it to the address people use to reach this system (see README).");
        }

        var progress = app.Services.GetRequiredService<StartupProgress>();
        await progress.TimeAsync("schema", () => app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None));
        await progress.TimeAsync("agency directory", () => app.LoadAgencyDirectoryAsync(CancellationToken.None));
        var folder = app.Configuration["Workflows:Directory"] ?? ProjectPaths.WorkflowsDirectory();
        if (Directory.Exists(folder))
        {
            await progress.TimeAsync("definitions", async () =>
            {
                var log = new StringWriter();
                var counts = await DefinitionImport.ImportAsync(app.Services, [folder], DefinitionImportMode.Seed, log, DefinitionImport.LogLine, CancellationToken.None);
                app.Logger.LogInformation(
                    "Workflow definitions from {Folder}: {Published} published, {Unchanged} unchanged, {Kept} kept as a person changed them, {Skipped} files unchanged since their last import, {Failed} refused\n{Log}",
                    folder, counts.Published, counts.Unchanged, counts.Kept, counts.Skipped, counts.Failed, log);
            });
        }

        progress.MarkDefinitionsLoaded();
        var preparing = System.Diagnostics.Stopwatch.GetTimestamp();
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "Started {Seconds:0.00} s after the process: {Phases}, background services {Services:0} ms",
            (TimeProvider.System.GetUtcNow().UtcDateTime - System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime()).TotalSeconds, progress.Summary(), System.Diagnostics.Stopwatch.GetElapsedTime(preparing).TotalMilliseconds));
    }

    public static WebApplication MapAntiDrugFlow(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseApiRequestGuard();
        app.UsePageFormText();
        app.UseExceptionHandler();
        app.UseTransientDatabaseRetry();
        app.UseStatusCodePages();
        app.MapServiceHealth();
        app.MapOpenApi();
        // Before authentication, so a Studio's preflight is answered without credentials.
        app.UseCors();
        app.MapAccounts();
        app.MapJobsDashboard();
        app.MapCasesApi();
        app.MapInformationRequestsApi();
        // The engine's and the outbox's administration; the agency callbacks among them stay open to their signed requests.
        var engine = app.MapGroup(string.Empty).RequireAuthorization(Policies.EngineAdministration);
        engine.MapWorkflowDefinitionsApi();
        engine.MapWorkflowInstancesApi();
        engine.MapDeliveryApis();
        // The action plan's milestones hold no personal data; until a policy of their own exists they are administered like the engine.
        engine.MapMilestonesApi();
        // Long operations and the directory import are the administrators' too.
        engine.MapOperationsApi();
        engine.MapAgenciesApi();
        app.MapElsaApi();
        // Each endpoint's access is the definition's (docs/ENGINE.md, HTTP endpoints).
        app.MapHttpWorkflows();
        app.MapWebPages();
        return app;
    }
}

/// <summary>Warns at every start that the Data Protection keys are stored without a key-encryption certificate.</summary>
internal sealed class UnencryptedKeysWarning(ILogger<UnencryptedKeysWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "Data Protection keys are stored unencrypted beside the data ({Setting}=true): a copy of the database decrypts minors' personal data. Set DataProtection:CertificatePath.",
            HostExtensions.AllowUnencryptedKeysSetting);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
