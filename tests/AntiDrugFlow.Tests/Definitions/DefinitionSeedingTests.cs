using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Definitions;

/// <summary>
/// The host's start-up import (seed mode): files seed what is missing and follow their own earlier imports,
/// never replace a person's version, and a file unchanged since its last import is not imported again.
/// </summary>
public sealed class DefinitionSeedingTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("adf-seed-").FullName;
    private string _connectionString = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:AntiDrugFlow"] = _connectionString }).Build();
        _services = await CommandLine.ComposeAsync(_connectionString, configuration, CancellationToken.None);
        await _services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private WorkflowDefinitionService Definitions => _services.GetRequiredService<WorkflowDefinitionService>();

    [Fact]
    public async Task A_missing_definition_is_seeded_from_its_file_and_a_restart_with_the_same_file_imports_nothing()
    {
        Write("seeded", "一");

        var first = await SeedAsync();
        var auditAfterFirst = await AuditRowsAsync();
        var second = await SeedAsync();

        Assert.Equal(new DefinitionImportCounts(1, 0, 0, 0, 0), first);
        Assert.Equal(new DefinitionImportCounts(0, 0, 0, 1, 0), second);
        Assert.Single(await Definitions.Store.VersionsAsync("seeded", CancellationToken.None));
        // The import and its publication are on record, as the file's; the restart added nothing.
        Assert.Equal(["definition.imported seeded v1 from " + FilePath("seeded"), "definition.published seeded v1 from " + FilePath("seeded")], auditAfterFirst);
        Assert.Equal(auditAfterFirst, await AuditRowsAsync());
        var source = Assert.Single(await _services.GetRequiredService<PostgresDefinitionSources>().ForDefinitionAsync("seeded", CancellationToken.None)).Value;
        Assert.Equal((DefinitionSource.File, FilePath("seeded")), (source.Source, source.FilePath));
    }

    [Fact]
    public async Task A_changed_file_publishes_a_new_version_while_nobody_changed_the_definition_since_its_import()
    {
        Write("followed", "一");
        await SeedAsync();
        Write("followed", "二");

        var counts = await SeedAsync();

        Assert.Equal(1, counts.Published);
        var published = await Definitions.Store.FindAsync("followed", "published", CancellationToken.None);
        Assert.Equal(2, published!.Version);
        Assert.Equal("二", Said(published));
    }

    [Fact]
    public async Task A_version_published_by_someone_else_is_kept_when_the_file_is_unchanged_and_when_it_changes()
    {
        Write("edited", "一");
        await SeedAsync();
        var edited = (await Definitions.Store.FindAsync("edited", "published", CancellationToken.None))!.Document.DeepClone().AsObject();
        edited["root"]!["activities"]![0]!["text"]!["expression"]!["value"] = "管理者改的";
        await Definitions.SaveAndPublishAsync(edited, CancellationToken.None);

        var sameFile = await SeedAsync();
        Write("edited", "檔案改的");
        var changedFile = await SeedAsync();

        Assert.Equal(0, sameFile.Published);
        Assert.Equal(new DefinitionImportCounts(0, 0, 1, 0, 0), changedFile);
        var published = await Definitions.Store.FindAsync("edited", "published", CancellationToken.None);
        Assert.Equal(2, published!.Version);
        Assert.Equal("管理者改的", Said(published));
        Assert.Equal(1, (await SeedAsync()).Skipped);
    }

    [Fact]
    public async Task A_retracted_definition_stays_retracted_and_the_command_line_import_still_publishes_on_request()
    {
        Write("retracted", "一");
        await SeedAsync();
        await Definitions.RetractAsync("retracted", CancellationToken.None);
        Write("retracted", "二");

        var seeded = await SeedAsync();
        Assert.Equal(1, seeded.Kept);
        Assert.Null(await Definitions.Store.FindAsync("retracted", "published", CancellationToken.None));

        var explicitImport = await DefinitionImport.ImportAsync(_services, [_folder], DefinitionImportMode.Publish, TextWriter.Null, DefinitionImport.ErrorLine, CancellationToken.None);
        Assert.Equal(1, explicitImport.Published);
        Assert.Equal(2, (await Definitions.Store.FindAsync("retracted", "published", CancellationToken.None))!.Version);
    }

    private Task<DefinitionImportCounts> SeedAsync() =>
        DefinitionImport.ImportAsync(_services, [_folder], DefinitionImportMode.Seed, TextWriter.Null, DefinitionImport.LogLine, CancellationToken.None);

    private static string Said(DefinitionVersion version) => version.Document["root"]!["activities"]![0]!["text"]!["expression"]!["value"]!.GetValue<string>();

    private void Write(string id, string text) =>
        File.WriteAllText(Path.Combine(_folder, id + ".json"), new Flow(id).WriteLine("say", text).Json());

    private string FilePath(string id) => Path.Combine(_folder, id + ".json");

    private async Task<List<string>> AuditRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT action || ' ' || details FROM audit_log WHERE action LIKE 'definition.%' ORDER BY id", connection);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
