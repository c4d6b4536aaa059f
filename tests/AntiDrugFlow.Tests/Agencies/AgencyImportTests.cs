using AntiDrugFlow.Workflows.Agencies;
using Xunit;

namespace AntiDrugFlow.Tests.Agencies;

public sealed class AgencyImportTests : IDisposable
{
    // The agencies the defective files below refer to.
    private const string BaseJson = """
        { "agencies": [
          { "id": "moe-sse", "name": "教育部學生事務及特殊教育司", "kind": "MinistryOfEducation", "level": 1 },
          { "id": "npa", "name": "內政部警政署", "kind": "NationalPoliceAgency", "level": 1 },
          { "id": "mnd", "name": "國防部", "kind": "MinistryOfNationalDefense", "level": 1 },
          { "id": "moj-planning", "name": "法務部（行政院毒品防制會報綜合規劃組）", "kind": "MinistryOfJustice", "level": 1 },
          { "id": "mnd-mp-command", "name": "國防部憲兵指揮部", "kind": "MilitaryPoliceCommand", "level": 1, "parent": "mnd" },
          { "id": "mp-keelung", "name": "基隆憲兵隊", "kind": "MilitaryPolice", "level": 2, "county": "TW-KEE", "parent": "mnd-mp-command" },
          { "id": "kee-gov", "name": "基隆市政府", "kind": "CountyGovernment", "level": 2, "county": "TW-KEE" },
          { "id": "kee-liaison", "name": "教育部學生事務及特殊教育司基隆市聯絡處", "kind": "LiaisonOffice", "level": 2, "county": "TW-KEE", "parent": "moe-sse" },
          { "id": "kee-police", "name": "基隆市警察局", "kind": "PoliceBureau", "level": 2, "county": "TW-KEE", "parent": "npa" },
          { "id": "kee-p1", "name": "基隆市警察局第一分局", "kind": "PolicePrecinct", "level": 3, "county": "TW-KEE", "parent": "kee-police" },
          { "id": "kee-p1-s1", "name": "基隆市警察局第一分局忠二路派出所", "kind": "PoliceStation", "level": 3, "county": "TW-KEE", "parent": "kee-p1" },
          { "id": "pen-police", "name": "澎湖縣政府警察局", "kind": "PoliceBureau", "level": 2, "county": "TW-PEN", "parent": "npa" },
          { "id": "pen-p1", "name": "澎湖縣政府警察局馬公分局", "kind": "PolicePrecinct", "level": 3, "county": "TW-PEN", "parent": "pen-police" },
          { "id": "pen-p1-s1", "name": "澎湖縣政府警察局馬公分局派出所", "kind": "PoliceStation", "level": 3, "county": "TW-PEN", "parent": "pen-p1" }
        ] }
        """;

    private const string CsvHeader = "id,name,kind,level,county,parent,emails,policeStation,militaryPolice,note";

    private readonly string _folder = Directory.CreateTempSubdirectory("agency-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string School(string id, string? station, string county = "TW-KEE") =>
        $$"""{ "id": "{{id}}", "name": "基隆市立測試國民中學", "kind": "School", "level": 3, "county": "{{county}}"{{(station is null ? "" : $", \"policeStation\": \"{station}\"")}} }""";

    public static TheoryData<string, string, string, string> DefectiveFiles() => new()
    {
        // file, content, position, field
        { "unknown-parent.json", """{ "agencies": [ { "id": "kee-p9", "name": "基隆市警察局第九分局", "kind": "PolicePrecinct", "level": 3, "county": "TW-KEE", "parent": "kee-polis" } ] }""", "agencies[0]", "parent" },
        { "duplicate.json", """{ "agencies": [ { "id": "kee-police", "name": "基隆市警察局", "kind": "PoliceBureau", "level": 2, "county": "TW-KEE", "parent": "npa" } ] }""", "agencies[0]", "id" },
        { "no-station.json", $$"""{ "agencies": [ {{School("kee-sch-a", "kee-p1-s1")}}, {{School("kee-sch-b", null)}} ] }""", "agencies[1]", "policeStation" },
        { "unknown-station.json", $$"""{ "agencies": [ {{School("kee-sch-a", "kee-p1-s9")}} ] }""", "agencies[0]", "policeStation" },
        { "station-of-another-county.json", $$"""{ "agencies": [ {{School("kee-sch-a", "pen-p1-s1")}} ] }""", "agencies[0]", "policeStation" },
        { "precinct-as-station.json", $$"""{ "agencies": [ {{School("kee-sch-a", "kee-p1")}} ] }""", "agencies[0]", "policeStation" },
        { "unknown-kind.json", """[ { "id": "kee-x", "name": "基隆市某機關", "kind": "Police", "level": 2, "county": "TW-KEE" } ]""", "[0]", "kind" },
        { "wrong-level.json", """[ { "id": "kee-p9", "name": "基隆市警察局第九分局", "kind": "PolicePrecinct", "level": 2, "county": "TW-KEE", "parent": "kee-police" } ]""", "[0]", "level" },
        { "unknown-county.json", """[ { "id": "xx-gov", "name": "某縣政府", "kind": "CountyGovernment", "level": 2, "county": "TW-XXX" } ]""", "[0]", "county" },
        { "central-with-county.json", """[ { "id": "moj", "name": "法務部", "kind": "MinistryOfJustice", "level": 1, "county": "TW-KEE" } ]""", "[0]", "county" },
        { "misspelled-field.json", """[ { "id": "kee-p9", "name": "基隆市警察局第九分局", "kind": "PolicePrecinct", "level": 3, "county": "TW-KEE", "parnet": "kee-police" } ]""", "[0]", "parnet" },
        { "missing-name.json", """[ { "id": "kee-p9", "kind": "PolicePrecinct", "level": 3, "county": "TW-KEE", "parent": "kee-police" } ]""", "[0]", "name" },
        { "bad-id.json", """[ { "id": "Kee P9", "name": "基隆市警察局第九分局", "kind": "PolicePrecinct", "level": 3, "county": "TW-KEE", "parent": "kee-police" } ]""", "[0]", "id" },
        { "level-as-text.json", """[ { "id": "kee-p9", "name": "基隆市警察局第九分局", "kind": "PolicePrecinct", "level": "3", "county": "TW-KEE", "parent": "kee-police" } ]""", "[0]", "level" },
        { "military-school-without-police.json", """[ { "id": "mil-x", "name": "某軍事學校", "kind": "MilitarySchool", "level": 3, "county": "TW-KEE", "parent": "mnd" } ]""", "[0]", "militaryPolice" },
        { "second-juvenile-police.json", """[ { "id": "kee-jp-1", "name": "基隆市警察局少年警察隊", "kind": "JuvenilePolice", "level": 2, "county": "TW-KEE", "parent": "kee-police" }, { "id": "kee-jp-2", "name": "基隆市警察局少年隊", "kind": "JuvenilePolice", "level": 2, "county": "TW-KEE", "parent": "kee-police" } ]""", "[1]", "county" },
        { "county-claimed-twice.json", """[ { "id": "pros-a", "name": "臺灣新竹地方檢察署", "kind": "DistrictProsecutors", "level": 2, "county": "TW-HSZ", "parent": "moj-planning", "alsoServes": ["TW-HSQ"] }, { "id": "pros-b", "name": "臺灣苗栗地方檢察署", "kind": "DistrictProsecutors", "level": 2, "county": "TW-MIA", "parent": "moj-planning", "alsoServes": ["新竹縣"] } ]""", "[1]", "alsoServes" },
        { "area-on-a-precinct.json", """[ { "id": "kee-p9", "name": "基隆市警察局第九分局", "kind": "PolicePrecinct", "level": 3, "county": "TW-KEE", "parent": "kee-police", "alsoServes": ["TW-NWT"] } ]""", "[0]", "alsoServes" },
        { "endpoint-not-text.json", """[ { "id": "kee-p9", "name": "基隆市警察局第九分局", "kind": "PolicePrecinct", "level": 3, "county": "TW-KEE", "parent": "kee-police", "endpoints": { "http": 80 } } ]""", "[0]", "endpoints.http" },
        { "broken.json", "{ \"agencies\": [\n  { \"id\": \"kee-p9\" \"name\": \"x\" }\n] }", "第2行", "(JSON)" },
        { "duplicate.csv", $"{CsvHeader}\nkee-p9,基隆市警察局第九分局,PolicePrecinct,3,TW-KEE,kee-police,,,,\nkee-p9,基隆市警察局第九分局,PolicePrecinct,3,TW-KEE,kee-police,,,,\n", "第3行", "id" },
        { "unknown-parent.csv", $"{CsvHeader}\nkee-p9,基隆市警察局第九分局,PolicePrecinct,3,TW-KEE,kee-polis,,,,\n", "第2行", "parent" },
        { "no-station-after-long-note.csv", $"{CsvHeader}\nkee-sch-a,基隆市立甲國民中學,School,3,TW-KEE,,,kee-p1-s1,,\"note over\ntwo lines, with a comma\"\nkee-sch-b,基隆市立乙國民中學,School,3,TW-KEE,,,,,\n", "第4行", "policeStation" },
        { "unterminated-quote.csv", $"{CsvHeader}\nkee-p9,\"基隆市警察局第九分局,PolicePrecinct,3,TW-KEE,kee-police,,,,\n", "第2行", "(CSV)" },
        { "stray-quote.csv", $"{CsvHeader}\nkee-p9,基隆市\"警察局\",PolicePrecinct,3,TW-KEE,kee-police,,,,\n", "第2行", "(CSV)" },
        { "short-row.csv", $"{CsvHeader}\nkee-p9,基隆市警察局第九分局,PolicePrecinct,3\n", "第2行", "(列)" },
        { "unknown-column.csv", "id,name,kind,level,county,parent,phone\n", "第1行", "phone" },
        { "missing-column.csv", "id,name,kind,county\n", "第1行", "level" },
        { "bad-email.csv", $"{CsvHeader}\nkee-p9,基隆市警察局第九分局,PolicePrecinct,3,TW-KEE,kee-police,kee-p9-at-agencies.invalid,,,\n", "第2行", "emails" },
    };

    [Theory]
    [MemberData(nameof(DefectiveFiles))]
    public async Task Import_error_names_the_file_the_position_and_the_field(string file, string content, string position, string field)
    {
        var basePath = Write("base.json", BaseJson);
        var defective = Write(file, content);

        var error = await Assert.ThrowsAsync<AgencyImportException>(
            () => new AgencyDirectoryImporter().ImportAsync([basePath, defective], CancellationToken.None));

        Assert.Equal(defective, error.File);
        Assert.Equal(position, error.Position);
        Assert.Equal(field, error.Field);
        Assert.Contains(file, error.Message);
        Assert.Contains(position, error.Message);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public async Task Base_data_of_the_error_cases_loads_on_its_own()
    {
        var directory = await new AgencyDirectoryImporter().ImportAsync([Write("base.json", BaseJson)], CancellationToken.None);

        Assert.Equal(14, directory.Count);
    }

    [Fact]
    public async Task Duplicate_id_error_points_to_where_the_id_was_first_seen()
    {
        var basePath = Write("base.json", BaseJson);
        var defective = Write("again.csv", $"{CsvHeader}\nnpa,內政部警政署,NationalPoliceAgency,1,,,,,,\n");

        var error = await Assert.ThrowsAsync<AgencyImportException>(
            () => new AgencyDirectoryImporter().ImportAsync([basePath, defective], CancellationToken.None));

        Assert.Contains($"{basePath} agencies[1]", error.Message);
    }

    [Fact]
    public async Task Csv_and_json_of_the_same_data_give_the_same_directory()
    {
        var importer = new AgencyDirectoryImporter();
        var fromJson = await importer.ImportAsync([RepositoryPaths.Fixture("keelung-slice.json")], CancellationToken.None);
        var fromCsv = await importer.ImportAsync([RepositoryPaths.Fixture("keelung-slice.csv")], CancellationToken.None);

        Assert.Equal(13, fromJson.Count);
        Assert.Equal(fromJson.Agencies, fromCsv.Agencies);
        var liaison = fromCsv.Get("kee-liaison");
        Assert.Equal(2, liaison.ContactEmails.Count);
        Assert.Equal("https://kee-liaison.agencies.invalid/api/tasks?source=directory", liaison.Endpoints["http"]);
        Assert.Equal("A note with \"quotes\", commas, and\na line break, to exercise the CSV reader.", fromCsv.Get("kee-sch-chenggong-jh").Note);
        Assert.Equal("TW-KEE", fromCsv.Get("kee-gov").CountyCode);
        Assert.Empty(fromCsv.Get("kee-p1-nanrong-rd").ContactEmails);
    }

    [Fact]
    public async Task Csv_and_json_that_differ_in_one_field_give_different_directories()
    {
        var json = await File.ReadAllTextAsync(RepositoryPaths.Fixture("keelung-slice.json"));
        var changed = Write("changed.json", json.Replace("\"policeStation\": \"kee-p1-nanrong-rd\"", "\"policeStation\": \"kee-p1-zhong-er-rd\"", StringComparison.Ordinal));
        var importer = new AgencyDirectoryImporter();

        var fromChanged = await importer.ImportAsync([changed], CancellationToken.None);
        var fromCsv = await importer.ImportAsync([RepositoryPaths.Fixture("keelung-slice.csv")], CancellationToken.None);

        Assert.NotEqual(fromChanged.Agencies, fromCsv.Agencies);
    }

    [Fact]
    public async Task Csv_saved_with_a_byte_order_mark_loads()
    {
        var basePath = Write("base.json", BaseJson);
        var csv = Path.Combine(_folder, "with-bom.csv");
        await File.WriteAllTextAsync(csv, $"{CsvHeader}\nkee-p9,基隆市警察局第九分局,PolicePrecinct,3,TW-KEE,kee-police,,,,\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var directory = await new AgencyDirectoryImporter().ImportAsync([basePath, csv], CancellationToken.None);

        Assert.Equal("kee-police", directory.Get("kee-p9").ParentId);
    }

    [Fact]
    public async Task Unsupported_file_type_is_refused_with_the_file_name()
    {
        var path = Write("agencies.xlsx", "");

        var error = await Assert.ThrowsAsync<AgencyImportException>(() => new AgencyDirectoryImporter().ImportAsync([path], CancellationToken.None));

        Assert.Equal(path, error.File);
    }

    [Fact]
    public async Task Import_stops_when_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new AgencyDirectoryImporter().ImportAsync([RepositoryPaths.Fixture("keelung-slice.csv")], cancellation.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new AgencyDirectoryImporter().ImportAsync([RepositoryPaths.Fixture("keelung-slice.json")], cancellation.Token));
    }
    private static AgencySourceFile Source(string name, string content) => new(name, System.Text.Encoding.UTF8.GetBytes(content));

    [Fact]
    public async Task Every_problem_is_listed_in_file_and_line_order_not_only_the_first()
    {
        var importer = new AgencyDirectoryImporter();
        var csv = $"{CsvHeader}\nkee-p9,基隆市警察局第九分局,PolicePrecinct,3,TW-KEE,kee-polis,,,,\nkee-p8,,PolicePrecinct,2,TW-XXX,kee-police,x-at-y,,,\n";

        var check = await importer.CheckAsync([Source("base.json", BaseJson), Source("precincts.csv", csv)], null, null, CancellationToken.None);

        Assert.Null(check.Directory);
        Assert.Equal(
            [("第2行", "parent"), ("第3行", "name"), ("第3行", "level"), ("第3行", "county"), ("第3行", "emails")],
            check.Errors.Select(e => (e.Position, e.Field)));
        Assert.All(check.Errors, e => Assert.Equal("precincts.csv", e.File));
    }

    [Fact]
    public async Task A_reference_to_a_row_refused_for_its_own_fields_is_not_reported_again()
    {
        var csv = $"{CsvHeader}\nkee-p9,基隆市警察局第九分局,PolicePrecinct,2,TW-KEE,kee-police,,,,\nkee-p9-s1,第九分局某派出所,PoliceStation,3,TW-KEE,kee-p9,,,,\n";

        var check = await new AgencyDirectoryImporter().CheckAsync([Source("base.json", BaseJson), Source("stations.csv", csv)], null, null, CancellationToken.None);

        var error = Assert.Single(check.Errors);
        Assert.Equal(("第2行", "level"), (error.Position, error.Field));
    }

    [Fact]
    public async Task A_file_not_saved_as_utf8_is_refused_with_a_hint_and_relations_are_left_unchecked()
    {
        var big5 = System.Text.Encoding.ASCII.GetBytes($"{CsvHeader}\nkee-p9,").Concat(new byte[] { 0xB0, 0xF2, 0xB6, 0xA9 }).Concat(System.Text.Encoding.ASCII.GetBytes(",PolicePrecinct,3,TW-KEE,kee-police,,,,\n")).ToArray();

        var check = await new AgencyDirectoryImporter().CheckAsync([new AgencySourceFile("excel.csv", big5), Source("orphan.json", $"[{School("kee-sch-x", "kee-p1-nowhere")}]")], null, null, CancellationToken.None);

        var error = Assert.Single(check.Errors);
        Assert.Equal(("excel.csv", "(編碼)"), (error.File, error.Field));
        Assert.Contains("UTF-8", error.Problem, StringComparison.Ordinal);
        Assert.False(check.RelationsChecked);
    }

    [Fact]
    public async Task Merging_replaces_agencies_with_the_same_id_adds_new_ones_and_keeps_the_rest()
    {
        var importer = new AgencyDirectoryImporter();
        var current = (await importer.CheckAsync([Source("base.json", BaseJson)], null, null, CancellationToken.None)).Directory!;
        var csv = $"{CsvHeader}\nkee-p1,基隆市警察局第一分局（改名）,PolicePrecinct,3,TW-KEE,kee-police,,,,\nkee-sch-new,基隆市立新設國民中學,School,3,TW-KEE,,,kee-p1-s1,,\n";
        var progress = new RecordingProgress();

        var check = await importer.CheckAsync([Source("update.csv", csv)], current, progress, CancellationToken.None);

        Assert.Empty(check.Errors);
        var merged = check.Directory!;
        Assert.Equal(current.Count + 1, merged.Count);
        Assert.Equal("基隆市警察局第一分局（改名）", merged.Get("kee-p1").Name);
        Assert.Equal("kee-p1-s1", merged.PoliceStationFor("kee-sch-new").Id);
        Assert.Equal(current.Agencies.Select(a => a.Id), merged.Agencies.Take(current.Count).Select(a => a.Id));
        // One step a file, then a row, then an agency of the merged directory; each stage ends at its total.
        Assert.Equal(
            [(AgencyDirectoryImporter.ReadStage, 1L, 1L), (AgencyDirectoryImporter.FieldsStage, 2L, 2L), ("檢查機構之間的關係", merged.Count, (long)merged.Count)],
            progress.Reports.GroupBy(r => r.Stage).Select(g => g.Last()));
        Assert.Equal(1 + 2 + merged.Count, progress.Reports.Count);
    }

    [Fact]
    public async Task A_merge_that_breaks_an_agency_of_the_directory_in_force_names_that_agency()
    {
        var importer = new AgencyDirectoryImporter();
        var current = (await importer.CheckAsync([Source("base.json", BaseJson)], null, null, CancellationToken.None)).Directory!;
        // kee-p1-s1 stays as it is, but its precinct turns into a station.
        var csv = $"{CsvHeader}\nkee-p1,基隆市警察局第一分局,PoliceStation,3,TW-KEE,kee-p1-s1,,,,\n";

        var check = await importer.CheckAsync([Source("update.csv", csv)], current, null, CancellationToken.None);

        Assert.Contains(check.Errors, e => e.File == AgencyDirectoryImporter.CurrentDirectoryName && e.Position == "機構代碼 kee-p1-s1" && e.Field == "parent");
        Assert.Null(check.Directory);
    }

    private sealed class RecordingProgress : AntiDrugFlow.Workflows.Operations.IOperationProgress
    {
        public List<(string Stage, long Done, long? Total)> Reports { get; } = [];

        public long OperationId => 1;

        public ValueTask ReportAsync(string stage, long done, long? total, CancellationToken cancellationToken)
        {
            Reports.Add((stage, done, total));
            return ValueTask.CompletedTask;
        }
    }
}
