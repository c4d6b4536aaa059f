using System.Text;
using System.Text.Json;

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>
/// Loads the agency directory from JSON and CSV files, one agency an object or a row, with the
/// same fields in both: id, name, kind, level, county, parent, emails, policeStation,
/// militaryPolice, alsoServes, endpoints, note. In CSV, lists are separated by semicolons and
/// endpoints are written kind=value;kind=value. All files are read before relations are
/// checked, so one file may refer to agencies of another.
/// </summary>
public sealed class AgencyDirectoryImporter
{
    private static readonly string[] FieldNames =
        ["id", "name", "kind", "level", "county", "parent", "emails", "policeStation", "militaryPolice", "alsoServes", "endpoints", "note"];

    private static readonly string[] RequiredFields = ["id", "name", "kind", "level"];

    private static readonly Dictionary<string, AgencyKind> KindsByName =
        Enum.GetValues<AgencyKind>().ToDictionary(k => k.ToString(), StringComparer.Ordinal);

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Loads every .json and .csv file of a folder, in file name order.</summary>
    public Task<AgencyDirectory> ImportFolderAsync(string folder, CancellationToken cancellationToken)
    {
        var files = Directory.EnumerateFiles(folder)
            .Where(f => IsJson(f) || IsCsv(f))
            .Order(StringComparer.Ordinal)
            .ToList();
        return ImportAsync(files, cancellationToken);
    }

    /// <summary>Loads the given files together into one directory.</summary>
    public async Task<AgencyDirectory> ImportAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var located = new List<LocatedAgency>();
        foreach (var path in paths)
        {
            located.AddRange(await ReadFileAsync(path, cancellationToken).ConfigureAwait(false));
        }
        return AgencyDirectoryValidator.Validate(located);
    }

    private static async Task<IReadOnlyList<LocatedAgency>> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        if (!IsJson(path) && !IsCsv(path))
        {
            throw new AgencyImportException(path, "(檔案)", "(格式)", "只接受副檔名為 .json 或 .csv 的檔案。");
        }
        if (!File.Exists(path))
        {
            throw new AgencyImportException(path, "(檔案)", "(檔案)", "檔案不存在。");
        }
        await using var stream = File.OpenRead(path);
        return IsJson(path)
            ? await ReadJsonAsync(stream, path, cancellationToken).ConfigureAwait(false)
            : await ReadCsvAsync(stream, path, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsJson(string path) => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static bool IsCsv(string path) => path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    internal static async Task<IReadOnlyList<LocatedAgency>> ReadJsonAsync(Stream stream, string file, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(stream, JsonOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new AgencyImportException(file, $"第{(e.LineNumber ?? 0) + 1}行", "(JSON)", $"不是有效的 JSON：{e.Message}");
        }
        using (document)
        {
            // A file is either {"agencies": [...]} (room for a description and sources) or a bare array.
            var root = document.RootElement;
            var arrayName = "";
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (!root.TryGetProperty("agencies", out var agencies) || agencies.ValueKind != JsonValueKind.Array)
                {
                    throw new AgencyImportException(file, "(根物件)", "agencies", "缺少機構陣列 agencies。");
                }
                root = agencies;
                arrayName = "agencies";
            }
            else if (root.ValueKind != JsonValueKind.Array)
            {
                throw new AgencyImportException(file, "(根物件)", "agencies", "檔案內容須為物件或陣列。");
            }

            var result = new List<LocatedAgency>();
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var location = new AgencySourceLocation(file, $"{arrayName}[{index}]");
                result.Add(new LocatedAgency(Build(ReadJsonRow(element, location)), location));
                index++;
            }
            return result;
        }
    }

    private static RawRow ReadJsonRow(JsonElement element, AgencySourceLocation location)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new AgencyImportException(location, "(機構)", "每個機構須為 JSON 物件。");
        }
        var row = new RawRow(location);
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                if (!FieldNames.Contains(name, StringComparer.Ordinal))
                {
                    throw UnknownField(location, name);
                }
                continue;
            }
            switch (name)
            {
                case "level":
                    row.Values[name] = value.ValueKind == JsonValueKind.Number
                        ? value.GetRawText()
                        : throw new AgencyImportException(location, name, "應為數字 1、2 或 3。");
                    break;
                case "emails":
                case "alsoServes":
                    row.Lists[name] = ReadJsonStringArray(value, location, name);
                    break;
                case "endpoints":
                    row.Endpoints = ReadJsonEndpoints(value, location);
                    break;
                default:
                    if (!FieldNames.Contains(name, StringComparer.Ordinal))
                    {
                        throw UnknownField(location, name);
                    }
                    row.Values[name] = value.ValueKind == JsonValueKind.String
                        ? value.GetString()!
                        : throw new AgencyImportException(location, name, "應為字串。");
                    break;
            }
        }
        return row;
    }

    private static List<string> ReadJsonStringArray(JsonElement value, AgencySourceLocation location, string field)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new AgencyImportException(location, field, "應為字串陣列。");
        }
        var items = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new AgencyImportException(location, $"{field}[{i}]", "應為字串。"));
            i++;
        }
        return items;
    }

    private static Dictionary<string, string> ReadJsonEndpoints(JsonElement value, AgencySourceLocation location)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new AgencyImportException(location, "endpoints", "應為物件：整合種類對應其位址或設定。");
        }
        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            endpoints[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new AgencyImportException(location, $"endpoints.{property.Name}", "應為字串。");
        }
        return endpoints;
    }

    internal static async Task<IReadOnlyList<LocatedAgency>> ReadCsvAsync(Stream stream, string file, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        List<CsvRecord> records;
        try
        {
            records = [.. CsvRecordReader.Read(text)];
        }
        catch (CsvFormatException e)
        {
            throw new AgencyImportException(file, $"第{e.Line}行", "(CSV)", e.Message);
        }
        if (records.Count == 0)
        {
            throw new AgencyImportException(file, "第1行", "(標頭)", "檔案是空的，至少須有標頭列。");
        }

        var header = records[0];
        var columns = header.Fields.Select(f => f.Trim()).ToList();
        for (var i = 0; i < columns.Count; i++)
        {
            if (!FieldNames.Contains(columns[i], StringComparer.Ordinal))
            {
                throw UnknownField(new AgencySourceLocation(file, $"第{header.Line}行"), columns[i]);
            }
            if (columns.IndexOf(columns[i]) != i)
            {
                throw new AgencyImportException(file, $"第{header.Line}行", columns[i], "標頭中重複出現。");
            }
        }
        foreach (var required in RequiredFields.Where(r => !columns.Contains(r)))
        {
            throw new AgencyImportException(file, $"第{header.Line}行", required, "標頭缺少必要欄位。");
        }

        var result = new List<LocatedAgency>();
        foreach (var record in records.Skip(1))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var location = new AgencySourceLocation(file, $"第{record.Line}行");
            if (record.Fields.Count != columns.Count)
            {
                throw new AgencyImportException(location, "(列)", $"有 {record.Fields.Count} 欄，標頭有 {columns.Count} 欄。");
            }
            var row = new RawRow(location);
            for (var i = 0; i < columns.Count; i++)
            {
                var value = record.Fields[i].Trim();
                if (value.Length == 0)
                {
                    continue;
                }
                switch (columns[i])
                {
                    case "emails":
                    case "alsoServes":
                        row.Lists[columns[i]] = SplitList(value);
                        break;
                    case "endpoints":
                        row.Endpoints = ParseCsvEndpoints(value, location);
                        break;
                    default:
                        row.Values[columns[i]] = value;
                        break;
                }
            }
            result.Add(new LocatedAgency(Build(row), location));
        }
        return result;
    }

    private static List<string> SplitList(string value) =>
        [.. value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static Dictionary<string, string> ParseCsvEndpoints(string value, AgencySourceLocation location)
    {
        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in SplitList(value))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new AgencyImportException(location, "endpoints", $"「{pair}」應寫成 整合種類=位址。");
            }
            endpoints[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }
        return endpoints;
    }

    private static AgencyImportException UnknownField(AgencySourceLocation location, string name) =>
        new(location, name, $"不認得的欄位；可用欄位為 {string.Join("、", FieldNames)}。");

    /// <summary>Checks each field on its own; relations between agencies are checked later.</summary>
    private static Agency Build(RawRow row)
    {
        var location = row.Location;
        string Required(string field) =>
            row.Values.TryGetValue(field, out var value) && !string.IsNullOrWhiteSpace(value)
                ? value.Trim()
                : throw new AgencyImportException(location, field, "必填欄位沒有值。");
        string? Optional(string field) =>
            row.Values.TryGetValue(field, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        var id = Required("id");
        if (!IsValidId(id))
        {
            throw new AgencyImportException(location, "id", $"「{id}」不是有效的機構代碼：只能用小寫英文字母、數字與連字號，且不以連字號開頭或結尾。");
        }
        var name = Required("name");
        var kindText = Required("kind");
        if (!KindsByName.TryGetValue(kindText, out var kind))
        {
            throw new AgencyImportException(location, "kind", $"「{kindText}」不是機構類別；可用類別為 {string.Join("、", KindsByName.Keys)}。");
        }
        var levelText = Required("level");
        if (!int.TryParse(levelText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var level)
            || level is < 1 or > 3)
        {
            throw new AgencyImportException(location, "level", $"「{levelText}」不是層級；應為 1、2 或 3。");
        }
        if (level != kind.Level())
        {
            throw new AgencyImportException(location, "level", $"{kind.DisplayName()}屬於第 {kind.Level()} 級，不是第 {level} 級。");
        }

        var countyText = Optional("county");
        string? countyCode = null;
        if (kind.IsCentral() && countyText is not null)
        {
            throw new AgencyImportException(location, "county", $"中央機關（{kind.DisplayName()}）不屬於任何縣市。");
        }
        if (!kind.IsCentral())
        {
            if (countyText is null)
            {
                throw new AgencyImportException(location, "county", $"{kind.DisplayName()}必須指定所在縣市。");
            }
            countyCode = Counties.TryFind(countyText, out var county)
                ? county.Code
                : throw new AgencyImportException(location, "county", $"「{countyText}」不是直轄市或縣市代碼（如 TW-KEE）或名稱。");
        }

        var alsoServes = new List<string>();
        foreach (var text in row.Lists.GetValueOrDefault("alsoServes") ?? [])
        {
            alsoServes.Add(Counties.TryFind(text, out var county)
                ? county.Code
                : throw new AgencyImportException(location, "alsoServes", $"「{text}」不是直轄市或縣市代碼或名稱。"));
        }
        if (alsoServes.Count > 0 && kind is not (AgencyKind.DistrictProsecutors or AgencyKind.MilitaryPolice))
        {
            throw new AgencyImportException(location, "alsoServes", "只有地方檢察署與憲兵隊可兼管其他縣市。");
        }

        var emails = row.Lists.GetValueOrDefault("emails") ?? [];
        foreach (var email in emails.Where(e => !IsPlausibleEmail(e)))
        {
            throw new AgencyImportException(location, "emails", $"「{email}」不是有效的電子郵件地址。");
        }
        foreach (var key in row.Endpoints.Keys.Where(string.IsNullOrWhiteSpace))
        {
            throw new AgencyImportException(location, "endpoints", "整合種類不可為空白。");
        }

        return new Agency(
            id, name, kind, level, countyCode, Optional("parent"), [.. emails],
            PoliceStationId: Optional("policeStation"),
            MilitaryPoliceId: Optional("militaryPolice"),
            AlsoServes: alsoServes,
            Endpoints: row.Endpoints,
            Note: Optional("note"));
    }

    private static bool IsValidId(string id) =>
        id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && !id.StartsWith('-') && !id.EndsWith('-') && !id.Contains("--", StringComparison.Ordinal);

    private static bool IsPlausibleEmail(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == email.LastIndexOf('@') && at < email.Length - 1
            && email[(at + 1)..].Contains('.', StringComparison.Ordinal) && !email.Any(char.IsWhiteSpace);
    }

    /// <summary>A row as read, before its fields are checked: the same shape for both formats.</summary>
    private sealed class RawRow(AgencySourceLocation location)
    {
        public AgencySourceLocation Location { get; } = location;
        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<string>> Lists { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Endpoints { get; set; } = new(StringComparer.Ordinal);
    }
}
