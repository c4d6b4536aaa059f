using System.Text;
using System.Text.Json;
using AntiDrugFlow.Workflows.Operations;

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>
/// Loads the agency directory from JSON and CSV files, one agency an object or a row, with the
/// same fields in both: id, name, kind, level, county, parent, emails, policeStation,
/// militaryPolice, alsoServes, endpoints, note. In CSV, lists are separated by semicolons and
/// endpoints are written kind=value;kind=value. All files are read before relations are
/// checked, so one file may refer to agencies of another. Every problem is reported, not only the first.
/// </summary>
public sealed class AgencyDirectoryImporter
{
    public const string ReadStage = "讀取檔案";

    public const string FieldsStage = "檢查各筆資料的欄位";

    /// <summary>How agencies of the directory in force are located in errors when an upload is merged into it.</summary>
    public const string CurrentDirectoryName = "（現行名錄）";

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

    /// <summary>Loads the given files together into one directory, or throws with every problem found.</summary>
    public async Task<AgencyDirectory> ImportAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var missing = new List<AgencyImportError>();
        var files = new List<AgencySourceFile>();
        foreach (var path in paths)
        {
            if ((IsJson(path) || IsCsv(path)) && !File.Exists(path))
            {
                missing.Add(new AgencyImportError(path, "(檔案)", "(檔案)", "檔案不存在。"));
                continue;
            }

            // A file of another type is read as nothing; the check names it as refused.
            files.Add(new AgencySourceFile(path, IsJson(path) || IsCsv(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : ReadOnlyMemory<byte>.Empty));
        }

        var check = await CheckAsync(files, null, null, cancellationToken).ConfigureAwait(false);
        var errors = missing.Concat(check.Errors).ToList();
        return errors.Count == 0 ? check.Directory! : throw new AgencyImportException(errors);
    }

    /// <summary>
    /// Reads and checks files (an upload, or the data folder) and lists every problem: the file, the
    /// line or JSON path, the field and what is wrong. With <paramref name="mergeInto"/>, the files' agencies
    /// replace the agencies of that directory with the same id and the others are added; without it,
    /// the files are the whole directory. Progress is reported per file, then per row, then per agency.
    /// A directory comes back only when nothing is wrong.
    /// </summary>
    public async Task<AgencyDirectoryCheck> CheckAsync(
        IReadOnlyList<AgencySourceFile> files, AgencyDirectory? mergeInto, IOperationProgress? progress, CancellationToken cancellationToken)
    {
        var errors = new List<AgencyImportError>();
        var rows = new List<RawRow>();
        var unreadable = false;
        for (var i = 0; i < files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = ReadFile(files[i], FileOrdinal(i), errors);
            if (read is null)
            {
                unreadable = true;
            }
            else
            {
                rows.AddRange(read);
            }

            await ReportAsync(progress, ReadStage, i + 1, files.Count, cancellationToken).ConfigureAwait(false);
        }

        var located = new List<LocatedAgency>(rows.Count);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Build(rows[i]) is { } agency)
            {
                located.Add(new LocatedAgency(agency, rows[i].Location));
            }
            else if (rows[i].Id is { } id)
            {
                refused.Add(id);
            }

            await ReportAsync(progress, FieldsStage, i + 1, rows.Count, cancellationToken).ConfigureAwait(false);
        }

        var all = AgencyDirectoryValidator.WithoutDuplicates(located, errors);
        if (mergeInto is not null)
        {
            all = Merge(mergeInto, all);
        }

        // Relations across an unreadable file would only report what that file was meant to hold.
        if (!unreadable)
        {
            await AgencyDirectoryValidator.CheckRelationsAsync(all, refused, errors, progress, cancellationToken).ConfigureAwait(false);
        }

        var directory = errors.Count == 0 ? new AgencyDirectory([.. all.Select(l => l.Agency)]) : null;
        // Found stage by stage, listed as the files read: file by file, line by line.
        return new AgencyDirectoryCheck(directory, [.. errors.OrderBy(e => e.Ordinal)], rows.Count, RelationsChecked: !unreadable);
    }

    // Rows of file i are ordered after the file itself and before file i + 1; the directory in force comes last.
    private static long FileOrdinal(int fileIndex) => (fileIndex + 1L) << 32;

    private static async ValueTask ReportAsync(IOperationProgress? progress, string stage, long done, long total, CancellationToken cancellationToken)
    {
        if (progress is not null)
        {
            await progress.ReportAsync(stage, done, total, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The directory's agencies in their order, each replaced by the upload's agency of the same id; new agencies after them.</summary>
    private static List<LocatedAgency> Merge(AgencyDirectory current, List<LocatedAgency> uploaded)
    {
        var byId = uploaded.ToDictionary(l => l.Agency.Id, StringComparer.Ordinal);
        var merged = new List<LocatedAgency>(current.Count + uploaded.Count);
        foreach (var agency in current.Agencies)
        {
            merged.Add(byId.Remove(agency.Id, out var replacement)
                ? replacement
                : new LocatedAgency(agency, new AgencySourceLocation(CurrentDirectoryName, $"機構代碼 {agency.Id}") { Ordinal = long.MaxValue }));
        }

        merged.AddRange(uploaded.Where(l => byId.ContainsKey(l.Agency.Id)));
        return merged;
    }

    /// <summary>The rows of one file, or null when the file as a whole cannot be read (its problems are in <paramref name="errors"/>).</summary>
    private static List<RawRow>? ReadFile(AgencySourceFile file, long ordinal, List<AgencyImportError> errors)
    {
        if (!IsJson(file.Name) && !IsCsv(file.Name))
        {
            errors.Add(new AgencyImportError(file.Name, "(檔案)", "(格式)", "只接受副檔名為 .json 或 .csv 的檔案。") { Ordinal = ordinal });
            return null;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(WithoutByteOrderMark(file.Content.Span));
        }
        catch (DecoderFallbackException)
        {
            errors.Add(new AgencyImportError(file.Name, "(檔案)", "(編碼)", "檔案不是 UTF-8 編碼；請以 UTF-8 另存（Excel 請選「CSV UTF-8」）後再匯入。") { Ordinal = ordinal });
            return null;
        }

        return IsJson(file.Name) ? ReadJson(text, file.Name, ordinal, errors) : ReadCsv(text, file.Name, ordinal, errors);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ReadOnlySpan<byte> WithoutByteOrderMark(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;

    private static bool IsJson(string path) => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    private static bool IsCsv(string path) => path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    private static List<RawRow>? ReadJson(string text, string file, long ordinal, List<AgencyImportError> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException e)
        {
            errors.Add(new AgencyImportError(file, $"第{(e.LineNumber ?? 0) + 1}行", "(JSON)",
                $"不是有效的 JSON：第 {(e.LineNumber ?? 0) + 1} 行第 {(e.BytePositionInLine ?? 0) + 1} 個位元組附近的語法有誤。") { Ordinal = ordinal });
            return null;
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
                    errors.Add(new AgencyImportError(file, "(根物件)", "agencies", "缺少機構陣列 agencies。") { Ordinal = ordinal });
                    return null;
                }
                root = agencies;
                arrayName = "agencies";
            }
            else if (root.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new AgencyImportError(file, "(根物件)", "agencies", "檔案內容須為物件或陣列。") { Ordinal = ordinal });
                return null;
            }

            var rows = new List<RawRow>();
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                rows.Add(ReadJsonRow(element, new AgencySourceLocation(file, $"{arrayName}[{index}]") { Ordinal = ordinal + index + 1 }, errors));
                index++;
            }
            return rows;
        }
    }

    private static RawRow ReadJsonRow(JsonElement element, AgencySourceLocation location, List<AgencyImportError> errors)
    {
        var row = new RawRow(location, errors);
        if (element.ValueKind != JsonValueKind.Object)
        {
            row.Refuse("(機構)", "每個機構須為 JSON 物件。");
            return row;
        }
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            if (!FieldNames.Contains(name, StringComparer.Ordinal))
            {
                row.Refuse(name, UnknownFieldProblem);
                continue;
            }
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            switch (name)
            {
                case "level":
                    if (value.ValueKind == JsonValueKind.Number)
                    {
                        row.Values[name] = value.GetRawText();
                    }
                    else
                    {
                        row.Refuse(name, "應為數字 1、2 或 3。");
                    }
                    break;
                case "emails":
                case "alsoServes":
                    row.Lists[name] = ReadJsonStringArray(value, row, name);
                    break;
                case "endpoints":
                    row.Endpoints = ReadJsonEndpoints(value, row);
                    break;
                default:
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        row.Values[name] = value.GetString()!;
                    }
                    else
                    {
                        row.Refuse(name, "應為字串。");
                    }
                    break;
            }
        }
        return row;
    }

    private static List<string> ReadJsonStringArray(JsonElement value, RawRow row, string field)
    {
        var items = new List<string>();
        if (value.ValueKind != JsonValueKind.Array)
        {
            row.Refuse(field, "應為字串陣列。");
            return items;
        }
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                items.Add(item.GetString()!);
            }
            else
            {
                row.Refuse($"{field}[{i}]", "應為字串。");
            }
            i++;
        }
        return items;
    }

    private static Dictionary<string, string> ReadJsonEndpoints(JsonElement value, RawRow row)
    {
        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind != JsonValueKind.Object)
        {
            row.Refuse("endpoints", "應為物件：整合種類對應其位址或設定。");
            return endpoints;
        }
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                endpoints[property.Name] = property.Value.GetString()!;
            }
            else
            {
                row.Refuse($"endpoints.{property.Name}", "應為字串。");
            }
        }
        return endpoints;
    }

    private static List<RawRow>? ReadCsv(string text, string file, long ordinal, List<AgencyImportError> errors)
    {
        List<CsvRecord> records;
        try
        {
            records = [.. CsvRecordReader.Read(text)];
        }
        catch (CsvFormatException e)
        {
            errors.Add(new AgencyImportError(file, $"第{e.Line}行", "(CSV)", e.Message) { Ordinal = ordinal + e.Line });
            return null;
        }
        if (records.Count == 0)
        {
            errors.Add(new AgencyImportError(file, "第1行", "(標頭)", "檔案是空的，至少須有標頭列。") { Ordinal = ordinal });
            return null;
        }

        var header = records[0];
        var headerErrors = errors.Count;
        var columns = header.Fields.Select(f => f.Trim()).ToList();
        for (var i = 0; i < columns.Count; i++)
        {
            if (!FieldNames.Contains(columns[i], StringComparer.Ordinal))
            {
                errors.Add(new AgencyImportError(file, $"第{header.Line}行", columns[i], UnknownFieldProblem) { Ordinal = ordinal });
            }
            else if (columns.IndexOf(columns[i]) != i)
            {
                errors.Add(new AgencyImportError(file, $"第{header.Line}行", columns[i], "標頭中重複出現。") { Ordinal = ordinal });
            }
        }
        foreach (var required in RequiredFields.Where(r => !columns.Contains(r)))
        {
            errors.Add(new AgencyImportError(file, $"第{header.Line}行", required, "標頭缺少必要欄位。") { Ordinal = ordinal });
        }
        // Without a sound header no row can be read for what it means.
        if (errors.Count > headerErrors)
        {
            return null;
        }

        var idColumn = columns.IndexOf("id");
        var rows = new List<RawRow>();
        foreach (var record in records.Skip(1))
        {
            var row = new RawRow(new AgencySourceLocation(file, $"第{record.Line}行") { Ordinal = ordinal + record.Line }, errors);
            rows.Add(row);
            if (record.Fields.Count != columns.Count)
            {
                row.Refuse("(列)", $"有 {record.Fields.Count} 欄，標頭有 {columns.Count} 欄。");
                if (idColumn < record.Fields.Count && record.Fields[idColumn].Trim() is { Length: > 0 } id)
                {
                    row.Values["id"] = id;
                }
                continue;
            }
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
                        row.Endpoints = ParseCsvEndpoints(value, row);
                        break;
                    default:
                        row.Values[columns[i]] = value;
                        break;
                }
            }
        }
        return rows;
    }

    private static List<string> SplitList(string value) =>
        [.. value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static Dictionary<string, string> ParseCsvEndpoints(string value, RawRow row)
    {
        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in SplitList(value))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                row.Refuse("endpoints", $"「{pair}」應寫成 整合種類=位址。");
                continue;
            }
            endpoints[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }
        return endpoints;
    }

    private static readonly string UnknownFieldProblem = $"不認得的欄位；可用欄位為 {string.Join("、", FieldNames)}。";

    /// <summary>
    /// Checks each field on its own and reports every problem of the row; relations between agencies
    /// are checked later. Null when anything in the row is wrong.
    /// </summary>
    private static Agency? Build(RawRow row)
    {
        string? Required(string field)
        {
            if (row.Values.TryGetValue(field, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
            // A value of the wrong type was reported already; it is not missing as well.
            if (!row.RefusedFields.Contains(field))
            {
                row.Refuse(field, "必填欄位沒有值。");
            }
            return null;
        }
        string? Optional(string field) =>
            row.Values.TryGetValue(field, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        var id = Required("id");
        if (id is not null && !IsValidId(id))
        {
            row.Refuse("id", $"「{id}」不是有效的機構代碼：只能用小寫英文字母、數字與連字號，且不以連字號開頭或結尾。");
        }
        var name = Required("name");

        AgencyKind? kind = null;
        if (Required("kind") is { } kindText)
        {
            if (KindsByName.TryGetValue(kindText, out var known))
            {
                kind = known;
            }
            else
            {
                row.Refuse("kind", $"「{kindText}」不是機構類別；可用類別為 {string.Join("、", KindsByName.Keys)}。");
            }
        }

        var level = 0;
        if (Required("level") is { } levelText)
        {
            if (!int.TryParse(levelText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out level)
                || level is < 1 or > 3)
            {
                row.Refuse("level", $"「{levelText}」不是層級；應為 1、2 或 3。");
            }
            else if (kind is { } k && level != k.Level())
            {
                row.Refuse("level", $"{k.DisplayName()}屬於第 {k.Level()} 級，不是第 {level} 級。");
            }
        }

        var countyText = Optional("county");
        string? countyCode = null;
        if (countyText is not null && !Counties.TryFind(countyText, out _))
        {
            row.Refuse("county", $"「{countyText}」不是直轄市或縣市代碼（如 TW-KEE）或名稱。");
        }
        else if (kind is { } central && central.IsCentral() && countyText is not null)
        {
            row.Refuse("county", $"中央機關（{central.DisplayName()}）不屬於任何縣市。");
        }
        else if (kind is { } local && !local.IsCentral() && countyText is null)
        {
            row.Refuse("county", $"{local.DisplayName()}必須指定所在縣市。");
        }
        else if (countyText is not null)
        {
            countyCode = Counties.Get(countyText).Code;
        }

        var alsoServes = new List<string>();
        foreach (var text in row.Lists.GetValueOrDefault("alsoServes") ?? [])
        {
            if (Counties.TryFind(text, out var county))
            {
                alsoServes.Add(county.Code);
            }
            else
            {
                row.Refuse("alsoServes", $"「{text}」不是直轄市或縣市代碼或名稱。");
            }
        }
        if (alsoServes.Count > 0 && kind is not null and not (AgencyKind.DistrictProsecutors or AgencyKind.MilitaryPolice))
        {
            row.Refuse("alsoServes", "只有地方檢察署與憲兵隊可兼管其他縣市。");
        }

        var emails = row.Lists.GetValueOrDefault("emails") ?? [];
        foreach (var email in emails.Where(e => !IsPlausibleEmail(e)))
        {
            row.Refuse("emails", $"「{email}」不是有效的電子郵件地址。");
        }
        if (row.Endpoints.Keys.Any(string.IsNullOrWhiteSpace))
        {
            row.Refuse("endpoints", "整合種類不可為空白。");
        }

        if (row.RefusedFields.Count > 0)
        {
            return null;
        }

        return new Agency(
            id!, name!, kind!.Value, level, countyCode, Optional("parent"), [.. emails],
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

    /// <summary>A row as read, before its fields are checked: the same shape for both formats. Its problems go straight to the import's list.</summary>
    private sealed class RawRow(AgencySourceLocation location, List<AgencyImportError> errors)
    {
        public AgencySourceLocation Location { get; } = location;
        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<string>> Lists { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Endpoints { get; set; } = new(StringComparer.Ordinal);

        /// <summary>The fields found wrong so far; a row with any is left out of the directory.</summary>
        public HashSet<string> RefusedFields { get; } = new(StringComparer.Ordinal);

        /// <summary>The id as written, valid or not, so that rows referring to a refused row are not reported twice.</summary>
        public string? Id => Values.TryGetValue("id", out var id) && !string.IsNullOrWhiteSpace(id) ? id.Trim() : null;

        public void Refuse(string field, string problem)
        {
            RefusedFields.Add(field);
            errors.Add(new AgencyImportError(Location, field, problem));
        }
    }
}

/// <summary>One directory file as uploaded or read from disk: its name (shown in errors) and its bytes (UTF-8).</summary>
public sealed record AgencySourceFile(string Name, ReadOnlyMemory<byte> Content);

/// <summary>
/// What checking directory files found: the directory when nothing is wrong, else every problem.
/// <paramref name="RelationsChecked"/> is false when a file could not be read at all, so relations were not checked.
/// </summary>
public sealed record AgencyDirectoryCheck(AgencyDirectory? Directory, IReadOnlyList<AgencyImportError> Errors, int RowCount, bool RelationsChecked);
