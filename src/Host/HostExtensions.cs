using System.Text.Json.Serialization;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Host.Apis;
using AntiDrugFlow.Host.Apis.Elsa;
using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Host.Components;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Host.Operations;
using AntiDrugFlow.Integrations;
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
        var (connectionString, embedded) = await Database.ResolveAsync(builder.Configuration, CancellationToken.None);
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

        // Emails link to the public address. The demonstration links to where this host listens; elsewhere an unset
        // address is warned about at start (PrepareDatabaseAsync), since links to localhost reach nobody.
        if (WorkflowComposition.PublicAddress(builder.Configuration) is null && embedded is not null)
        {
            builder.Configuration["App:PublicAddress"] = ListeningAddress(builder.Configuration);
        }

        builder.AddAgencyDirectory(out var agencies);
        builder.Services.AddWorkflowSystem(connectionString, builder.Configuration, agencies);
        builder.Services.AddDefinitionSources();
        builder.AddIntegrations();
        builder.AddDeadlines(connectionString, builder.Configuration["Workflows:Directory"] ?? ProjectPaths.WorkflowsDirectory());
        builder.AddAccounts();
        builder.AddElsaApi();
        builder.Services.AddCases();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddOpenApi();
        builder.AddOperations();
        builder.AddWebPages();
        builder.AddSecurityHeaders();
        return builder;
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

        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        await app.LoadAgencyDirectoryAsync(CancellationToken.None);
        var folder = app.Configuration["Workflows:Directory"] ?? ProjectPaths.WorkflowsDirectory();
        if (Directory.Exists(folder))
        {
            var log = new StringWriter();
            var counts = await DefinitionImport.ImportAsync(app.Services, [folder], DefinitionImportMode.Seed, log, DefinitionImport.LogLine, CancellationToken.None);
            app.Logger.LogInformation(
                "Workflow definitions from {Folder}: {Published} published, {Unchanged} unchanged, {Kept} kept as a person changed them, {Skipped} files unchanged since their last import, {Failed} refused\n{Log}",
                folder, counts.Published, counts.Unchanged, counts.Kept, counts.Skipped, counts.Failed, log);
        }
    }

    public static WebApplication MapAntiDrugFlow(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        // Before authentication, so a Studio's preflight is answered without credentials.
        app.UseCors();
        app.MapAccounts();
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
