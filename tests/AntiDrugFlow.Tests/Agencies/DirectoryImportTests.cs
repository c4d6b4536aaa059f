using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Operations;
using AntiDrugFlow.Workflows.Agencies;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Agencies;

/// <summary>
/// Importing the directory through the API into a host on a real database: every error listed with its
/// line and nothing changed, or a new stored version in force at once, loaded by the next host and picked
/// up by another host sharing the database.
/// </summary>
public sealed class DirectoryImportTests : IAsyncLifetime
{
    private const string Header = "id,name,kind,level,county,parent,emails,policeStation";

    private const string NewSchool = "kee-sch-import-test-jh,基隆市立匯入測試國民中學,School,3,TW-KEE,kee-gov,kee-sch-import-test-jh@agencies.invalid,kee-p1-zhong-er-rd";

    private ApiFactory _factory = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        // The import runs as a background job: this host runs the job server, the other hosts of the tests do not.
        _factory = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["BackgroundWork:JobServer"] = "true" });
        _http = _factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    private static MultipartFormDataContent Upload(string mode, params (string Name, string Content)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(mode), "mode" } };
        foreach (var (name, content) in files)
        {
            var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
            file.Headers.ContentType = new MediaTypeHeaderValue(name.EndsWith(".csv", StringComparison.Ordinal) ? "text/csv" : "application/json");
            form.Add(file, "files", name);
        }

        return form;
    }

    private static async Task<JsonObject> ImportAsync(HttpClient http, string mode, params (string Name, string Content)[] files)
    {
        var response = await http.PostAsync("/api/agencies/import", Upload(mode, files));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/api/operations/", location, StringComparison.Ordinal);
        return await http.WaitForEndAsync(location);
    }

    private async Task<long> StoredVersionsAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(_factory.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM agency_directory_versions");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_csv_with_errors_lists_every_one_with_its_line_and_changes_nothing()
    {
        var provider = _factory.Services.GetRequiredService<AgencyDirectoryProvider>();
        var before = provider.Current;
        var csv = string.Join('\n',
            Header,
            "kee-sch-a,基隆市立甲國民中學,School,3,TW-KEE,kee-gov,,kee-p1-no-such-station",
            "kee-sch-b,基隆市立乙國民中學,School,4,TW-KEE,kee-gov,,kee-p1-zhong-er-rd",
            "kee-sch-c,基隆市立丙國民中學,School,3,TW-XXX,kee-gov,not-an-address,kee-p1-zhong-er-rd",
            "kee-sch-d,基隆市立丁國民中學,School,3,TW-KEE,kee-gov,,kee-p1-zhong-er-rd");

        var operation = await ImportAsync(_http, "merge", ("schools.csv", csv));

        Assert.Equal("Failed", operation["status"]!.GetValue<string>());
        Assert.Contains("4 項錯誤", operation["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("名錄沒有任何變更", operation["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var problems = operation["result"]!["problems"]!.AsArray()
            .Select(p => (Where: p!["where"]!.GetValue<string>(), Field: p["field"]!.GetValue<string>()))
            .ToList();
        Assert.Equal(
            [("schools.csv 第2行", "policeStation"), ("schools.csv 第3行", "level"), ("schools.csv 第4行", "county"), ("schools.csv 第4行", "emails")],
            problems);
        Assert.Equal("/admin/agencies", operation["result"]!["link"]!.GetValue<string>());

        Assert.Same(before, provider.Current);
        Assert.False(provider.Current.TryGet("kee-sch-d", out _));
        Assert.Equal(0, await StoredVersionsAsync());
    }

    [Fact]
    public async Task A_valid_import_is_in_force_at_once_and_a_new_host_on_the_same_database_loads_it()
    {
        var before = _factory.Services.GetRequiredService<AgencyDirectoryProvider>().Current.Count;

        var operation = await ImportAsync(_http, "merge", ("new-school.csv", $"{Header}\n{NewSchool}\n"));

        Assert.Equal("Succeeded", operation["status"]!.GetValue<string>());
        Assert.Contains("第 1 版", operation["result"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("新增 1 個", operation["result"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        var provider = _factory.Services.GetRequiredService<AgencyDirectoryProvider>();
        Assert.Equal(1, provider.Version);
        Assert.Equal(before + 1, provider.Current.Count);
        Assert.Equal("kee-p1-zhong-er-rd", provider.Current.PoliceStationFor("kee-sch-import-test-jh").Id);

        // A new host on the same database reads the stored version, not the files.
        await using var next = new ApiFactory(_factory.ConnectionString, Directory.CreateTempSubdirectory("adf-next-host-").FullName);
        var loaded = next.Services.GetRequiredService<AgencyDirectoryProvider>();
        Assert.Equal(1, loaded.Version);
        Assert.Equal(provider.Current.Agencies, loaded.Current.Agencies);
        using var nextHttp = next.CreateClient();
        var html = WebUtility.HtmlDecode(await nextHttp.GetStringAsync("/admin/agencies?county=TW-KEE&kind=School"));
        Assert.Contains("基隆市立匯入測試國民中學", html, StringComparison.Ordinal);
        Assert.Contains("現行名錄為第 1 版", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_host_sharing_the_database_puts_a_new_version_in_force_when_it_checks()
    {
        await using var other = new ApiFactory(_factory.ConnectionString, Directory.CreateTempSubdirectory("adf-other-host-").FullName);
        var otherProvider = other.Services.GetRequiredService<AgencyDirectoryProvider>();
        var loader = other.Services.GetRequiredService<AgencyDirectoryLoader>();
        Assert.False(await loader.RefreshAsync(CancellationToken.None));

        var operation = await ImportAsync(_http, "merge", ("new-school.csv", $"{Header}\n{NewSchool}\n"));
        Assert.Equal("Succeeded", operation["status"]!.GetValue<string>());
        Assert.False(otherProvider.Current.TryGet("kee-sch-import-test-jh", out _));

        Assert.True(await loader.RefreshAsync(CancellationToken.None));
        Assert.True(otherProvider.Current.TryGet("kee-sch-import-test-jh", out _));
        Assert.False(await loader.RefreshAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Replacing_the_directory_removes_the_agencies_the_files_leave_out_and_versions_are_kept()
    {
        var keelung = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.AgencyData, "county-keelung.json"));
        var national = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.AgencyData, "national.json"));
        var merged = await ImportAsync(_http, "merge", ("new-school.csv", $"{Header}\n{NewSchool}\n"));
        Assert.Equal("Succeeded", merged["status"]!.GetValue<string>());

        var replaced = await ImportAsync(_http, "replace", ("national.json", national), ("county-keelung.json", keelung));

        Assert.Equal("Succeeded", replaced["status"]!.GetValue<string>());
        var directory = _factory.Services.GetRequiredService<AgencyDirectoryProvider>();
        Assert.Equal(2, directory.Version);
        // The merged school, 嘉義市's precincts and the military schools were not in the files.
        Assert.False(directory.Current.TryGet("kee-sch-import-test-jh", out _));
        Assert.False(directory.Current.TryGet("cyi-p1", out _));
        Assert.False(directory.Current.TryGet("mil-ndu", out _));
        Assert.True(directory.Current.TryGet("kee-p1", out _));
        var versions = (await _http.GetFromJsonAsync<JsonArray>("/api/agencies/versions"))!;
        Assert.Equal([2L, 1L], versions.Select(v => v!["version"]!.GetValue<long>()));
        Assert.Equal("Replace", versions[0]!["mode"]!.GetValue<string>());
        Assert.Equal(["national.json", "county-keelung.json"], versions[0]!["sourceFiles"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    [Fact]
    public async Task Imports_and_refused_imports_are_audited()
    {
        await ImportAsync(_http, "merge", ("new-school.csv", $"{Header}\n{NewSchool}\n"));
        await ImportAsync(_http, "merge", ("broken.csv", $"{Header}\nkee-x,基隆市某校,School,3,TW-KEE\n"));

        await using var dataSource = NpgsqlDataSource.Create(_factory.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT action, details FROM audit_log WHERE action LIKE 'agency-directory.%' ORDER BY id");
        var entries = new List<(string Action, string Details)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                entries.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        Assert.Equal([AgencyDirectoryImport.AuditActions.Imported, AgencyDirectoryImport.AuditActions.Refused], entries.Select(e => e.Action));
        Assert.Contains("version 1", entries[0].Details, StringComparison.Ordinal);
        Assert.Contains("1 added", entries[0].Details, StringComparison.Ordinal);
        Assert.Contains("broken.csv", entries[1].Details, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("merge", "agencies.xlsx", "files")]
    [InlineData("overwrite", "schools.csv", "mode")]
    public async Task A_bad_upload_is_refused_with_problem_details_naming_the_field(string mode, string fileName, string field)
    {
        var response = await _http.PostAsync("/api/agencies/import", Upload(mode, (fileName, $"{Header}\n{NewSchool}\n")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        Assert.Empty((await _http.GetFromJsonAsync<JsonArray>("/api/operations"))!);
    }

    [Fact]
    public async Task An_import_without_files_is_refused_with_problem_details()
    {
        var response = await _http.PostAsync("/api/agencies/import", new MultipartFormDataContent { { new StringContent("merge"), "mode" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("請選擇", problem["errors"]!["files"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
    [Fact]
    public async Task A_merge_onto_a_version_that_is_no_longer_the_latest_is_refused_and_stores_nothing()
    {
        var store = _factory.Services.GetRequiredService<PostgresAgencyDirectoryStore>();
        var directory = _factory.Services.GetRequiredService<AgencyDirectoryProvider>().Current;
        AgencyDirectoryImportRecord Record(AgencyImportMode mode, long? baseVersion) =>
            new(DateTimeOffset.UtcNow, "admin-1", "moe-sse", mode, ["a.csv"], baseVersion, null);
        Assert.Equal(1, await store.SaveAsync(directory, Record(AgencyImportMode.Merge, null), CancellationToken.None));

        // Another import merged onto "no version" too, but version 1 was saved meanwhile.
        await Assert.ThrowsAsync<AgencyDirectoryConflictException>(() => store.SaveAsync(directory, Record(AgencyImportMode.Merge, null), CancellationToken.None));
        Assert.Equal(1, await StoredVersionsAsync());

        // A replacement does not build on what was there, so it goes on as the next version.
        Assert.Equal(2, await store.SaveAsync(directory, Record(AgencyImportMode.Replace, null), CancellationToken.None));
        Assert.Equal(directory.Agencies, (await store.LoadAsync(2, CancellationToken.None)).Agencies);
    }
}
