using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Calendar;

namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>One action item (行動方案) of the action plan, with the schedule the system tracks it against.</summary>
/// <param name="Id">Stable across cycles: 「{group}-{strategy}-{action}」, e.g. prevention-1-2.</param>
/// <param name="Group">The working group (工作分組) that reports on it, e.g. 拒毒預防組.</param>
/// <param name="Section">The plan's section, e.g. 拒毒.</param>
/// <param name="Strategy">The numbered 策略 heading the item sits under.</param>
/// <param name="Number">The item's number as printed in the plan, when it has one.</param>
/// <param name="Action">The 行動方案 text.</param>
/// <param name="ScheduleText">The 辦理期程 exactly as written, typos included.</param>
/// <param name="Schedule">What <see cref="ScheduleText"/> means, as <see cref="RocSchedule"/> reads it.</param>
/// <param name="LeadAgencies">主辦機關.</param>
/// <param name="CoAgencies">協辦機關; may be empty.</param>
/// <param name="Note">How the item was read from the plan where the plan's layout left room for doubt.</param>
public sealed record MilestoneItem(
    string Id,
    string Group,
    string Section,
    string Strategy,
    string? Number,
    string Action,
    string ScheduleText,
    IReadOnlyList<RocScheduleStep> Schedule,
    IReadOnlyList<string> LeadAgencies,
    IReadOnlyList<string> CoAgencies,
    string? Note = null);

/// <summary>
/// The action plan's items for one cycle (the 2017 plan runs 106–109), loaded from
/// workflows-json/milestones and checked against the schedule parser.
/// </summary>
public sealed partial record MilestoneCatalog(
    string Title,
    string Source,
    int DocumentRocYear,
    int FromRocYear,
    int UntilRocYear,
    IReadOnlyList<string> Notes,
    IReadOnlyList<MilestoneItem> Items)
{
    /// <summary>The five working groups of 行政院毒品防制會報 that items belong to.</summary>
    public static IReadOnlyList<string> Groups { get; } = ["防毒監控組", "拒毒預防組", "緝毒合作組", "毒品戒治組", "綜合規劃組"];

    /// <summary>Indented, camelCase, Chinese kept readable: the file is edited by hand by administrators.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        IndentSize = 2,
    };

    /// <summary>Reads and validates a catalog file; any fault is a <see cref="MilestoneCatalogException"/>.</summary>
    public static async Task<MilestoneCatalog> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        CatalogFile? file;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            file = await JsonSerializer.DeserializeAsync<CatalogFile>(stream, JsonOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException invalid)
        {
            throw new MilestoneCatalogException(
                $"Milestone catalog {path} is not valid JSON at {invalid.Path} (line {invalid.LineNumber + 1}): {invalid.Message}",
                field: invalid.Path,
                inner: invalid);
        }
        catch (IOException unreadable)
        {
            throw new MilestoneCatalogException($"Milestone catalog {path} cannot be read: {unreadable.Message}", inner: unreadable);
        }

        return Validate(file ?? throw new MilestoneCatalogException($"Milestone catalog {path} is empty."), path);
    }

    /// <summary>Writes the catalog in the same shape <see cref="LoadAsync"/> reads.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true);
        await JsonSerializer.SerializeAsync(stream, this, JsonOptions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A new cycle with every year moved: the next four-year plan reuses most items. Each item's
    /// schedule text gets its ROC years moved and is read again, so month ends stay month ends
    /// (107年2月底 is the 28th, 109年2月底 the 29th). Ids stay, so items can be followed across
    /// cycles; the action texts keep the old plan's wording for its authors to revise.
    /// </summary>
    public MilestoneCatalog ShiftYears(int years)
    {
        var documentYear = DocumentRocYear + years;
        if (documentYear < 1 || FromRocYear + years < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(years), years, "The shifted cycle would start before ROC year 1.");
        }

        var items = Items
            .Select(item =>
            {
                var text = ShiftScheduleText(item.ScheduleText, years);
                return item with { ScheduleText = text, Schedule = RocSchedule.Parse(text, documentYear).Steps };
            })
            .ToList();
        return this with
        {
            DocumentRocYear = documentYear,
            FromRocYear = FromRocYear + years,
            UntilRocYear = UntilRocYear + years,
            Items = items,
        };
    }

    /// <summary>Moves every ROC year written in a schedule text, e.g. 「106年8月底前」 → 「110年8月底前」.</summary>
    public static string ShiftScheduleText(string text, int years)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WrittenYear().Replace(text, match =>
        {
            var token = match.Groups["y"].Value;
            var partner = match.Groups["partner"].Value;

            // 「06-109年」 lost a digit: take it from the other end, as the parser does.
            if (token.Length == 2 && token[0] == '0' && partner.Length == 3)
            {
                token = partner[0] + token;
            }

            var shifted = int.Parse(token, CultureInfo.InvariantCulture) + years;
            return shifted >= 1
                ? shifted.ToString(CultureInfo.InvariantCulture)
                : throw new ArgumentOutOfRangeException(nameof(years), years, $"「{text}」 would move before ROC year 1.");
        });
    }

    private static MilestoneCatalog Validate(CatalogFile file, string path)
    {
        [DoesNotReturn]
        void Fail(string message, string? itemId = null, string? field = null) =>
            throw new MilestoneCatalogException(
                itemId is null
                    ? $"Milestone catalog {path}: field '{field}' {message}"
                    : $"Milestone catalog {path}: item '{itemId}', field '{field}' {message}",
                itemId,
                field);

        if (string.IsNullOrWhiteSpace(file.Title)) Fail("is missing.", field: "title");
        if (file.DocumentRocYear is not >= 1) Fail("must be an ROC year (1 or later).", field: "documentRocYear");
        if (file.FromRocYear is not >= 1) Fail("must be an ROC year (1 or later).", field: "fromRocYear");
        if (file.UntilRocYear is not int until || until < file.FromRocYear) Fail("must be an ROC year not before fromRocYear.", field: "untilRocYear");
        if (file.Items is not { Count: > 0 }) Fail("must list at least one item.", field: "items");

        var documentYear = file.DocumentRocYear!.Value;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<MilestoneItem>(file.Items!.Count);
        for (var index = 0; index < file.Items!.Count; index++)
        {
            var raw = file.Items[index] ?? throw new MilestoneCatalogException($"Milestone catalog {path}: items[{index}] is null.", field: "items");
            var id = raw.Id;
            if (string.IsNullOrWhiteSpace(id) || !ItemId().IsMatch(id))
            {
                Fail($"of items[{index}] must look like 'prevention-1-2' (was '{id}').", $"items[{index}]", "id");
            }

            if (!seen.Add(id!)) Fail("is used by another item.", id, "id");
            if (raw.Group is null || !Groups.Contains(raw.Group)) Fail($"must be one of {string.Join("、", Groups)} (was '{raw.Group}').", id, "group");
            if (string.IsNullOrWhiteSpace(raw.Section)) Fail("is missing.", id, "section");
            if (string.IsNullOrWhiteSpace(raw.Strategy)) Fail("is missing.", id, "strategy");
            if (string.IsNullOrWhiteSpace(raw.Action)) Fail("is missing.", id, "action");
            if (string.IsNullOrWhiteSpace(raw.ScheduleText)) Fail("is missing.", id, "scheduleText");
            if (raw.LeadAgencies is not { Count: > 0 } || raw.LeadAgencies.Any(string.IsNullOrWhiteSpace)) Fail("must list at least one agency, none blank.", id, "leadAgencies");
            if (raw.CoAgencies is null || raw.CoAgencies.Any(string.IsNullOrWhiteSpace)) Fail("must be a list (possibly empty) of agencies, none blank.", id, "coAgencies");
            if (raw.Schedule is not { Count: > 0 } || raw.Schedule.Any(s => s is null)) Fail("must list at least one step.", id, "schedule");

            var schedule = raw.Schedule!.Select(step => step!).ToList();
            for (var step = 0; step < schedule.Count; step++)
            {
                if (MissingFieldFor(schedule[step]) is string missing) Fail(missing, id, $"schedule[{step}]");
            }

            // The stored steps are a convenience for readers; the text is the source, so they must agree.
            if (!RocSchedule.TryParse(raw.ScheduleText!, documentYear, out var parsed, out var refusal))
            {
                Fail($"cannot be read: {refusal}", id, "scheduleText");
            }

            if (!parsed!.Steps.SequenceEqual(schedule))
            {
                var at = Enumerable.Range(0, Math.Max(parsed.Steps.Count, schedule.Count))
                    .First(i => i >= parsed.Steps.Count || i >= schedule.Count || !parsed.Steps[i].Equals(schedule[i]));
                Fail(
                    $"does not match what scheduleText 「{raw.ScheduleText}」 means: step {at} should be {Describe(parsed.Steps, at)} but is {Describe(schedule, at)}.",
                    id,
                    "schedule");
            }

            items.Add(new MilestoneItem(
                id!, raw.Group!, raw.Section!, raw.Strategy!, raw.Number, raw.Action!, raw.ScheduleText!,
                schedule, raw.LeadAgencies!, raw.CoAgencies!, raw.Note));
        }

        return new MilestoneCatalog(
            file.Title!, file.Source ?? string.Empty, documentYear, file.FromRocYear!.Value, file.UntilRocYear!.Value,
            file.Notes ?? [], items);
    }

    private static string? MissingFieldFor(RocScheduleStep step) => step.Kind switch
    {
        RocScheduleKind.Deadline when step.Due is null => "is a deadline without 'due'.",
        RocScheduleKind.Start when step.From is null => "is a start without 'from'.",
        RocScheduleKind.Period when step.From is null || step.Until is null => "is a period without 'from' and 'until'.",
        RocScheduleKind.Period when step.Until < step.From => "is a period whose 'until' is before its 'from'.",
        RocScheduleKind.Done when step.DoneOn is null => "is done without 'doneOn'.",
        RocScheduleKind.Recurring when step.PerYear is not > 0 => "is recurring without a positive 'perYear'.",
        RocScheduleKind.Condition when string.IsNullOrWhiteSpace(step.Condition) => "is a condition without 'condition'.",
        RocScheduleKind.Ongoing when !step.Ongoing => "is ongoing without 'ongoing': true.",
        _ => null,
    };

    private static string Describe(IReadOnlyList<RocScheduleStep> steps, int index) =>
        index < steps.Count ? JsonSerializer.Serialize(steps[index], RocParseCommand.JsonOptions) : "absent";

    [GeneratedRegex(@"^[a-z]+(?:-\d+)+$")]
    private static partial Regex ItemId();

    [GeneratedRegex(@"(?<!\d)(?<y>\d{2,3})(?=\s*(?:年|學年度|[-－~～至到]\s*(?<partner>\d{2,3})\s*年))")]
    private static partial Regex WrittenYear();

    /// <summary>The file as written, every field optional so that validation can name what is missing.</summary>
    private sealed record CatalogFile(
        string? Title,
        string? Source,
        int? DocumentRocYear,
        int? FromRocYear,
        int? UntilRocYear,
        List<string>? Notes,
        List<ItemFile?>? Items);

    private sealed record ItemFile(
        string? Id,
        string? Group,
        string? Section,
        string? Strategy,
        string? Number,
        string? Action,
        string? ScheduleText,
        List<RocScheduleStep?>? Schedule,
        List<string>? LeadAgencies,
        List<string>? CoAgencies,
        string? Note);
}
