using AntiDrugFlow.Integrations.Postgres;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Integrations;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;

namespace AntiDrugFlow.Host.Cli;

/// <summary>
/// The command line of the Host executable. Exit codes: 0 done, 1 invalid or faulted, 2 bad usage,
/// 3 the workflow is waiting (bookmark, timer, task).
/// </summary>
public static class CommandLine
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Waiting = 3;

    private const string Help = """
        usage:
          serve [ASP.NET options]                    run the web host (the default)
          definitions validate PATH...              check definition files or folders
          definitions run FILE [--input JSON]       run a definition in memory
          definitions import PATH...                load definitions into the database
          roc parse TEXT                            read an action-plan schedule (e.g. 「106年8月底前」) as JSON
          accounts create-admin NAME [--agency ID]  the first administrator; password from ANTIDRUGFLOW_ADMIN_PASSWORD or standard input
        """;

    public static bool IsVerb(string first) => first is "definitions" or "roc" or "accounts" or "help" or "--help";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, IConfiguration? configuration = null, TextReader? stdin = null)
    {
        switch (args)
        {
            case ["definitions", "validate", .. var paths] when paths.Length > 0:
                return await ValidateAsync(Resolve(paths), stdout, configuration ?? EnvironmentConfiguration(), cancellationToken);
            case ["definitions", "run", var file, .. var rest]:
                return await RunDefinitionAsync(Resolve([file])[0], rest, stdout, stderr, configuration ?? EnvironmentConfiguration(), cancellationToken);
            case ["definitions", "import", .. var paths] when paths.Length > 0:
                return await ImportAsync(Resolve(paths), stdout, configuration ?? EnvironmentConfiguration(), cancellationToken);
            case ["accounts", "create-admin", var name]:
                return await CreateAdministratorCommand.RunAsync(name, CreateAdministratorCommand.DefaultAgency, stdin ?? Console.In, stdout, stderr, configuration ?? EnvironmentConfiguration(), cancellationToken);
            case ["accounts", "create-admin", var name, "--agency", var agency]:
                return await CreateAdministratorCommand.RunAsync(name, agency, stdin ?? Console.In, stdout, stderr, configuration ?? EnvironmentConfiguration(), cancellationToken);
            case ["roc", "parse", .. var words] when words.Length > 0:
                return RocParseCommand.Run(string.Join(' ', words), stdout, stderr);
            default:
                await stderr.WriteLineAsync(Help);
                return Usage;
        }
    }

    /// <summary>
    /// The workflow system as every entry point composes it (<see cref="WorkflowComposition.AddWorkflowSystem"/>), over the
    /// directory shipped in workflows-json/agencies. Validation and in-memory runs never open a connection.
    /// </summary>
    public static async Task<ServiceProvider> ComposeAsync(string connectionString, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var directory = await new AgencyDirectoryImporter().ImportFolderAsync(Path.Combine(ProjectPaths.WorkflowsDirectory(), "agencies"), cancellationToken);
        return new ServiceCollection()
            .AddLogging()
            .AddWorkflowSystem(ConnectionBudget.From(configuration).ForEngine(connectionString), configuration, new AgencyDirectoryProvider(directory))
            .AddDefinitionSources()
            .BuildServiceProvider();
    }

    /// <summary>
    /// A relative path missing from the working directory is read from the repository's root: <c>dotnet run --project src/Host</c>
    /// starts in src/Host, while the documented paths (workflows-json/chains) are the root's.
    /// </summary>
    private static string[] Resolve(string[] paths) =>
        [.. paths.Select(path => Path.IsPathRooted(path) || Path.Exists(path) || !Path.Exists(Path.Combine(ProjectPaths.Root(), path))
            ? path
            : Path.Combine(ProjectPaths.Root(), path))];

    private static IConfiguration EnvironmentConfiguration() => new ConfigurationBuilder().AddEnvironmentVariables().Build();

    private static async Task<int> ValidateAsync(string[] paths, TextWriter stdout, IConfiguration configuration, CancellationToken cancellationToken)
    {
        await using var services = await ComposeAsync(string.Empty, configuration, cancellationToken);
        var validator = services.GetRequiredService<DefinitionValidator>();
        var invalid = 0;
        var files = await DefinitionFiles.FindAsync(paths, cancellationToken);
        foreach (var file in files)
        {
            var errors = file.Document is null ? file.Errors : validator.Load(file.Document).Errors;
            foreach (var error in errors)
            {
                await stdout.WriteLineAsync(DefinitionImport.ErrorLine(file.Path, error));
            }

            invalid += errors.Count > 0 ? 1 : 0;
        }

        await stdout.WriteLineAsync($"{files.Count} 個定義中有 {files.Count - invalid} 個正確");
        return invalid == 0 ? Ok : Failed;
    }

    private static async Task<int> RunDefinitionAsync(string file, string[] rest, TextWriter stdout, TextWriter stderr, IConfiguration configuration, CancellationToken cancellationToken)
    {
        JsonObject? input = null;
        if (rest is ["--input", var json])
        {
            try
            {
                input = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("the input must be a JSON object");
            }
            catch (JsonException ex)
            {
                await stderr.WriteLineAsync($"--input: not a JSON object: {ex.Message}");
                return Usage;
            }
        }
        else if (rest.Length > 0)
        {
            await stderr.WriteLineAsync(Help);
            return Usage;
        }

        var found = await DefinitionFiles.FindAsync([file], cancellationToken);
        await using var services = await ComposeAsync(string.Empty, configuration, cancellationToken);
        var validator = services.GetRequiredService<DefinitionValidator>();
        var (definition, errors) = found[0].Document is { } document ? validator.Load(document) : (null, found[0].Errors);
        if (definition is null)
        {
            foreach (var error in errors)
            {
                await stderr.WriteLineAsync(DefinitionImport.ErrorLine(file, error));
            }

            return Failed;
        }

        var instance = await InMemoryRun.RunAsync(services.GetRequiredService<WorkflowExecutor>(), TimeProvider.System, definition, input, line => stdout.WriteLine(line), cancellationToken);
        switch (instance.Status)
        {
            case WorkflowStatus.Finished:
                return Ok;
            case WorkflowStatus.Suspended:
                await stderr.WriteLineAsync($"waiting: {string.Join(", ", instance.Bookmarks.Select(b => $"{b.Kind} '{b.Name}' at {b.ActivityId}"))}");
                return Waiting;
            default:
                await stderr.WriteLineAsync($"faulted: {instance.Fault}");
                return Failed;
        }
    }

    private static async Task<int> ImportAsync(string[] paths, TextWriter stdout, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var (connectionString, embedded) = await Database.ResolveAsync(configuration, cancellationToken);
        try
        {
            await using var services = await ComposeAsync(connectionString, configuration, cancellationToken);
            await services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
            var counts = await DefinitionImport.ImportAsync(services, paths, DefinitionImportMode.Publish, stdout, DefinitionImport.ErrorLine, cancellationToken);
            await stdout.WriteLineAsync($"{counts.Imported} definitions imported, {counts.Failed} refused");
            return counts.Failed == 0 ? Ok : Failed;
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.StopAsync(cancellationToken);
            }
        }
    }
}

/// <summary>How definition files meet what is in the database.</summary>
public enum DefinitionImportMode
{
    /// <summary>
    /// The host's start: a file seeds a definition that is missing and follows its own earlier imports, but never
    /// replaces a version a person saved, published or retracted since; files unchanged since their last import are not read.
    /// </summary>
    Seed,

    /// <summary>The command line's explicit import: every file that differs from the published version is published.</summary>
    Publish,
}

/// <summary>What an import did with the files it was given.</summary>
public sealed record DefinitionImportCounts(int Published, int Unchanged, int Kept, int Skipped, int Failed)
{
    /// <summary>Files whose definition is in the database as the file says or as a person made it since.</summary>
    public int Imported => Published + Unchanged + Kept + Skipped;
}

/// <summary>Imports definition files into the store: the command line's import, and the host's at start (workflows-json).</summary>
public static class DefinitionImport
{
    /// <summary>An error as the command line prints it: file, JSON path, the zh-TW message and its code.</summary>
    public static string ErrorLine(string file, DefinitionError error) => $"{file}: {error.Path}: {error.Message} [{error.Code}]";

    /// <summary>An error as the host's log records it: file, JSON path and code, in English like the rest of the log.</summary>
    public static string LogLine(string file, DefinitionError error) => $"{file}: {error.Path}: {error.Code}";

    public static async Task<DefinitionImportCounts> ImportAsync(IServiceProvider services, IEnumerable<string> paths, DefinitionImportMode mode, TextWriter output, Func<string, DefinitionError, string> describe, CancellationToken cancellationToken)
    {
        var definitions = services.GetRequiredService<WorkflowDefinitionService>();
        var sources = services.GetRequiredService<PostgresDefinitionSources>();
        var time = services.GetRequiredService<TimeProvider>();
        var known = mode == DefinitionImportMode.Seed ? await sources.ImportedHashesAsync(cancellationToken) : null;
        int published = 0, unchanged = 0, kept = 0, skipped = 0, failed = 0;
        foreach (var file in await DefinitionFiles.FindAsync(paths, cancellationToken, known))
        {
            if (file.Unchanged)
            {
                skipped++;
                continue;
            }

            if (file.Document is null)
            {
                failed++;
                foreach (var error in file.Errors)
                {
                    await output.WriteLineAsync(describe(file.Path, error));
                }

                continue;
            }

            var shownPath = ShownPath(file.Path);
            try
            {
                using var origin = DefinitionOrigin.FromFile(shownPath);
                var (outcome, version) = await ImportOneAsync(definitions, sources, file.Document, mode, cancellationToken);
                await sources.RecordImportAsync(version.DefinitionId, shownPath, file.ContentHash, outcome, version.Version, time.GetUtcNow(), cancellationToken);
                switch (outcome)
                {
                    case "published": published++; break;
                    case "unchanged": unchanged++; break;
                    default: kept++; break;
                }

                await output.WriteLineAsync(outcome == "kept"
                    ? $"{file.Path}: {version.DefinitionId} v{version.Version} kept (changed by a person since the file was imported; the file's changes are not applied)"
                    : $"{file.Path}: {version.DefinitionId} v{version.Version} {outcome}");
            }
            catch (DefinitionValidationException ex)
            {
                failed++;
                foreach (var error in ex.Errors)
                {
                    await output.WriteLineAsync(describe(file.Path, error));
                }
            }
        }

        return new DefinitionImportCounts(published, unchanged, kept, skipped, failed);
    }

    private static async Task<(string Outcome, DefinitionVersion Version)> ImportOneAsync(WorkflowDefinitionService definitions, PostgresDefinitionSources sources, JsonObject document, DefinitionImportMode mode, CancellationToken cancellationToken)
    {
        var definitionId = WorkflowDefinitionService.DefinitionIdOf(document);
        var versions = await definitions.Store.VersionsAsync(definitionId, cancellationToken);
        var published = versions.FirstOrDefault(v => v.IsPublished);
        if (published is not null && WorkflowDefinitionService.SameContent(published.Document, document))
        {
            return ("unchanged", published);
        }

        var latest = versions.FirstOrDefault(v => v.IsLatest) ?? versions.FirstOrDefault();
        if (mode == DefinitionImportMode.Seed && latest is not null && await ChangedByPersonAsync(sources, latest, cancellationToken))
        {
            return ("kept", latest);
        }

        return ("published", await definitions.SaveAndPublishAsync(document, cancellationToken));
    }

    /// <summary>
    /// Whether the latest version is a person's: saved by one, or retracted (only people retract). A version from
    /// before sources were recorded counts as the files': every start then published the files over it anyway.
    /// </summary>
    private static async Task<bool> ChangedByPersonAsync(PostgresDefinitionSources sources, DefinitionVersion latest, CancellationToken cancellationToken)
    {
        if (latest.RetractedAt is not null)
        {
            return true;
        }

        var known = await sources.ForDefinitionAsync(latest.DefinitionId, cancellationToken);
        return known.TryGetValue(latest.Version, out var source) && source.Source != DefinitionSource.File;
    }

    /// <summary>A path inside the repository is shown from its root (workflows-json/…), the same whichever folder the host started in.</summary>
    private static string ShownPath(string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(ProjectPaths.Root(), full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative.Replace('\\', '/');
    }
}
