using AntiDrugFlow.Workflows.Operations;

namespace AntiDrugFlow.Workflows.Agencies;

internal sealed record LocatedAgency(Agency Agency, AgencySourceLocation Location);

/// <summary>
/// Checks the relations between agencies once every source is read, so that a county file may
/// refer to the national skeleton. Every problem is reported with its file and position.
/// </summary>
internal static class AgencyDirectoryValidator
{
    public const string RelationsStage = "檢查機構之間的關係";

    /// <summary>Kinds a county has exactly one of, found by county rather than by id.</summary>
    internal static bool IsOnePerCounty(AgencyKind kind) => kind is AgencyKind.CountyGovernment
        or AgencyKind.LiaisonOffice or AgencyKind.PoliceBureau or AgencyKind.JuvenilePolice
        or AgencyKind.SocialAffairsBureau or AgencyKind.JuvenileCounsellingCommittee
        or AgencyKind.DrugPreventionCentre or AgencyKind.DistrictProsecutors or AgencyKind.MilitaryPolice;

    /// <summary>Builds the directory, or throws with every problem found.</summary>
    public static AgencyDirectory Validate(IReadOnlyList<LocatedAgency> located)
    {
        var errors = new List<AgencyImportError>();
        var unique = WithoutDuplicates(located, errors);
        var relations = new RelationCheck(unique, new HashSet<string>(StringComparer.Ordinal), errors);
        foreach (var item in unique)
        {
            relations.Check(item);
        }

        return errors.Count == 0 ? new AgencyDirectory([.. unique.Select(l => l.Agency)]) : throw new AgencyImportException(errors);
    }

    /// <summary>Reports every id seen before (pointing to where) and leaves those rows out of the checks that follow.</summary>
    public static List<LocatedAgency> WithoutDuplicates(IReadOnlyList<LocatedAgency> located, List<AgencyImportError> errors)
    {
        var byId = new Dictionary<string, LocatedAgency>(StringComparer.Ordinal);
        var unique = new List<LocatedAgency>(located.Count);
        foreach (var item in located)
        {
            if (byId.TryAdd(item.Agency.Id, item))
            {
                unique.Add(item);
            }
            else
            {
                errors.Add(new AgencyImportError(item.Location, "id",
                    $"機構代碼「{item.Agency.Id}」重複，已見於 {byId[item.Agency.Id].Location}。"));
            }
        }

        return unique;
    }

    /// <summary>
    /// Checks parents, 派出所, 憲兵隊 and the one-per-county kinds of agencies with distinct ids, one
    /// agency a progress step. A reference to an id in <paramref name="refused"/> (a row whose own
    /// fields were refused, already reported) is not reported again.
    /// </summary>
    public static async ValueTask CheckRelationsAsync(
        IReadOnlyList<LocatedAgency> located, IReadOnlySet<string> refused, List<AgencyImportError> errors, IOperationProgress? progress, CancellationToken cancellationToken)
    {
        var relations = new RelationCheck(located, refused, errors);
        for (var i = 0; i < located.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            relations.Check(located[i]);
            if (progress is not null)
            {
                await progress.ReportAsync(RelationsStage, i + 1, located.Count, cancellationToken);
            }
        }
    }

    /// <summary>The indexes the relation checks share while they go through the agencies one by one.</summary>
    private sealed class RelationCheck(IReadOnlyList<LocatedAgency> located, IReadOnlySet<string> refused, List<AgencyImportError> errors)
    {
        private readonly Dictionary<string, LocatedAgency> _byId = located.ToDictionary(l => l.Agency.Id, StringComparer.Ordinal);
        private readonly Dictionary<(AgencyKind, string), LocatedAgency> _seats = [];
        private readonly Dictionary<(AgencyKind, string), LocatedAgency> _areas = [];

        public void Check(LocatedAgency item)
        {
            Collect(() => CheckParent(item, _byId, refused));
            Collect(() => CheckPoliceStation(item, _byId, refused));
            Collect(() => CheckMilitaryPolice(item, _byId, refused));
            Collect(() => CheckOnePerCounty(item, _seats, _areas));
        }

        private void Collect(Action check)
        {
            try
            {
                check();
            }
            catch (AgencyImportException e)
            {
                errors.AddRange(e.Errors);
            }
        }
    }

    private static void CheckParent(LocatedAgency item, Dictionary<string, LocatedAgency> byId, IReadOnlySet<string> refused)
    {
        var agency = item.Agency;
        var allowed = agency.Kind.AllowedParentKinds();
        if (agency.ParentId is null)
        {
            if (allowed.Count > 0 && !allowed.Contains(null))
            {
                throw new AgencyImportException(item.Location, "parent",
                    $"{agency.Kind.DisplayName()}必須指定上級機關（{Describe(allowed)}）。");
            }
            return;
        }
        if (allowed.Count == 0)
        {
            throw new AgencyImportException(item.Location, "parent",
                $"{agency.Kind.DisplayName()}是最上層機關，不應指定上級機關「{agency.ParentId}」。");
        }
        if (!byId.TryGetValue(agency.ParentId, out var parent))
        {
            if (refused.Contains(agency.ParentId))
            {
                return;
            }
            throw new AgencyImportException(item.Location, "parent", $"找不到上級機關「{agency.ParentId}」。");
        }
        if (!allowed.Contains(parent.Agency.Kind))
        {
            throw new AgencyImportException(item.Location, "parent",
                $"上級機關「{parent.Agency.Id}」是{parent.Agency.Kind.DisplayName()}，{agency.Kind.DisplayName()}應隸屬於{Describe(allowed)}。");
        }
        if (parent.Agency.CountyCode is not null && parent.Agency.CountyCode != agency.CountyCode)
        {
            throw new AgencyImportException(item.Location, "parent",
                $"上級機關「{parent.Agency.Id}」位於{CountyName(parent.Agency.CountyCode)}，與本機關所在的{CountyName(agency.CountyCode)}不同。");
        }
    }

    private static void CheckPoliceStation(LocatedAgency item, Dictionary<string, LocatedAgency> byId, IReadOnlySet<string> refused)
    {
        var agency = item.Agency;
        if (agency.Kind != AgencyKind.School)
        {
            if (agency.PoliceStationId is not null)
            {
                throw new AgencyImportException(item.Location, "policeStation", "只有學校需要指定轄區派出所。");
            }
            return;
        }
        if (agency.PoliceStationId is null)
        {
            throw new AgencyImportException(item.Location, "policeStation", "學校必須指定轄區派出所／分駐所。");
        }
        if (!byId.TryGetValue(agency.PoliceStationId, out var station))
        {
            if (refused.Contains(agency.PoliceStationId))
            {
                return;
            }
            throw new AgencyImportException(item.Location, "policeStation", $"找不到派出所「{agency.PoliceStationId}」。");
        }
        if (station.Agency.Kind != AgencyKind.PoliceStation)
        {
            throw new AgencyImportException(item.Location, "policeStation",
                $"「{station.Agency.Id}」是{station.Agency.Kind.DisplayName()}，不是派出所／分駐所。");
        }
        if (station.Agency.CountyCode != agency.CountyCode)
        {
            throw new AgencyImportException(item.Location, "policeStation",
                $"派出所「{station.Agency.Id}」位於{CountyName(station.Agency.CountyCode)}，學校位於{CountyName(agency.CountyCode)}。");
        }
    }

    private static void CheckMilitaryPolice(LocatedAgency item, Dictionary<string, LocatedAgency> byId, IReadOnlySet<string> refused)
    {
        var agency = item.Agency;
        if (agency.Kind != AgencyKind.MilitarySchool)
        {
            if (agency.MilitaryPoliceId is not null)
            {
                throw new AgencyImportException(item.Location, "militaryPolice", "只有軍事院校需要指定憲兵隊。");
            }
            return;
        }
        if (agency.MilitaryPoliceId is null)
        {
            throw new AgencyImportException(item.Location, "militaryPolice", "軍事院校必須指定轄區憲兵隊。");
        }
        if (!byId.TryGetValue(agency.MilitaryPoliceId, out var police))
        {
            if (refused.Contains(agency.MilitaryPoliceId))
            {
                return;
            }
            throw new AgencyImportException(item.Location, "militaryPolice", $"找不到憲兵隊「{agency.MilitaryPoliceId}」。");
        }
        if (police.Agency.Kind != AgencyKind.MilitaryPolice)
        {
            throw new AgencyImportException(item.Location, "militaryPolice",
                $"「{police.Agency.Id}」是{police.Agency.Kind.DisplayName()}，不是憲兵隊。");
        }
        if (agency.CountyCode is not null && !police.Agency.Serves(agency.CountyCode))
        {
            throw new AgencyImportException(item.Location, "militaryPolice",
                $"憲兵隊「{police.Agency.Id}」的轄區不含{CountyName(agency.CountyCode)}。");
        }
    }

    // A county must resolve to one agency of each such kind, or routing would have to guess.
    private static void CheckOnePerCounty(
        LocatedAgency item,
        Dictionary<(AgencyKind, string), LocatedAgency> seats,
        Dictionary<(AgencyKind, string), LocatedAgency> areas)
    {
        var agency = item.Agency;
        if (!IsOnePerCounty(agency.Kind))
        {
            return;
        }
        if (agency.CountyCode is not null && !seats.TryAdd((agency.Kind, agency.CountyCode), item))
        {
            throw new AgencyImportException(item.Location, "county",
                $"{CountyName(agency.CountyCode)}已有{agency.Kind.DisplayName()}「{seats[(agency.Kind, agency.CountyCode)].Agency.Id}」（{seats[(agency.Kind, agency.CountyCode)].Location}）。");
        }
        foreach (var county in agency.AlsoServes)
        {
            if (county == agency.CountyCode || !areas.TryAdd((agency.Kind, county), item))
            {
                throw new AgencyImportException(item.Location, "alsoServes",
                    county == agency.CountyCode
                        ? $"{CountyName(county)}是本機關所在縣市，不需再列入。"
                        : $"{CountyName(county)}已由「{areas[(agency.Kind, county)].Agency.Id}」兼管（{areas[(agency.Kind, county)].Location}）。");
            }
        }
    }

    private static string Describe(IReadOnlyList<AgencyKind?> kinds) =>
        string.Join("或", kinds.Where(k => k is not null).Select(k => k!.Value.DisplayName()));

    private static string CountyName(string? code) =>
        code is null ? "中央" : Counties.TryFind(code, out var county) ? county.Name : code;
}
