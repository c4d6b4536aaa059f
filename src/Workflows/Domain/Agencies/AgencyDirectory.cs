namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>
/// The agencies of the notification chain and the relations the routing needs: school → 派出所
/// and county, 派出所 → 分局 → 警察局, county → its county-level agencies, 憲兵隊 ↔ military
/// schools, and one escalation step up for every agency. Immutable once built.
/// </summary>
public sealed class AgencyDirectory
{
    private readonly Dictionary<string, Agency> _byId;
    private readonly Dictionary<(AgencyKind Kind, string County), Agency> _countyAgency;
    private readonly ILookup<string, Agency> _militarySchoolsByPolice;
    private readonly ILookup<string, Agency> _childrenByParent;

    /// <summary>Expects agencies that <see cref="AgencyDirectoryValidator"/> has accepted.</summary>
    internal AgencyDirectory(IReadOnlyList<Agency> agencies)
    {
        Agencies = agencies;
        _byId = agencies.ToDictionary(a => a.Id, StringComparer.Ordinal);
        _countyAgency = [];
        // An agency sitting in the county wins over one whose district merely covers it.
        foreach (var agency in agencies.Where(a => AgencyDirectoryValidator.IsOnePerCounty(a.Kind)))
        {
            foreach (var county in agency.AlsoServes)
            {
                _countyAgency.TryAdd((agency.Kind, county), agency);
            }
        }
        foreach (var agency in agencies.Where(a => AgencyDirectoryValidator.IsOnePerCounty(a.Kind) && a.CountyCode is not null))
        {
            _countyAgency[(agency.Kind, agency.CountyCode!)] = agency;
        }
        _militarySchoolsByPolice = agencies
            .Where(a => a.MilitaryPoliceId is not null)
            .ToLookup(a => a.MilitaryPoliceId!, StringComparer.Ordinal);
        _childrenByParent = agencies
            .Where(a => a.ParentId is not null)
            .ToLookup(a => a.ParentId!, StringComparer.Ordinal);
    }

    /// <summary>Validates agencies built in code; files go through <see cref="AgencyDirectoryImporter"/>.</summary>
    public static AgencyDirectory Create(IEnumerable<Agency> agencies)
    {
        var located = agencies
            .Select((a, i) => new LocatedAgency(a, new AgencySourceLocation("(程式建立)", $"第{i + 1}筆")))
            .ToList();
        return AgencyDirectoryValidator.Validate(located);
    }

    /// <summary>Every agency, in the order the sources listed them.</summary>
    public IReadOnlyList<Agency> Agencies { get; }

    public int Count => Agencies.Count;

    public Agency Get(string agencyId) =>
        _byId.TryGetValue(agencyId, out var agency) ? agency : throw new UnknownAgencyException(agencyId);

    public bool TryGet(string agencyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Agency? agency) =>
        _byId.TryGetValue(agencyId, out agency);

    public IEnumerable<Agency> OfKind(AgencyKind kind) => Agencies.Where(a => a.Kind == kind);

    /// <summary>
    /// The schools a person's words name: the one with that id, else those whose name equals the text, else those whose
    /// name contains it; 臺 and 台 count alike and spaces are ignored. Several results mean the text is ambiguous.
    /// </summary>
    public IReadOnlyList<Agency> FindSchools(string text)
    {
        if (TryGet(text.Trim(), out var byId) && byId.Kind == AgencyKind.School)
        {
            return [byId];
        }

        var wanted = NormalizeName(text);
        if (wanted.Length == 0)
        {
            return [];
        }

        var schools = OfKind(AgencyKind.School).ToList();
        var exact = schools.Where(s => NormalizeName(s.Name) == wanted).ToList();
        return exact.Count > 0 ? exact : [.. schools.Where(s => NormalizeName(s.Name).Contains(wanted, StringComparison.Ordinal))];
    }

    private static string NormalizeName(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c))).Replace('臺', '台');

    public IReadOnlyList<Agency> ChildrenOf(string agencyId) => [.. _childrenByParent[Get(agencyId).Id]];

    /// <summary>The school's 轄區派出所／分駐所 (level 3 police).</summary>
    public Agency PoliceStationFor(string schoolId)
    {
        var school = GetOfKind(schoolId, AgencyKind.School);
        return Get(school.PoliceStationId!);
    }

    /// <summary>The 校外會 or 教育部聯絡處 of a school's county, or of a county given by code or name.</summary>
    public Agency LiaisonOfficeFor(string schoolIdOrCounty)
    {
        if (_byId.TryGetValue(schoolIdOrCounty, out var agency))
        {
            if (agency.CountyCode is null)
            {
                throw new ArgumentException($"「{agency.Name}」({agency.Id}) 是中央機關，沒有所屬縣市的聯絡處。", nameof(schoolIdOrCounty));
            }
            return CountyAgency(agency.CountyCode, AgencyKind.LiaisonOffice);
        }
        if (Counties.TryFind(schoolIdOrCounty, out var county))
        {
            return CountyAgency(county.Code, AgencyKind.LiaisonOffice);
        }
        throw new UnknownAgencyException(schoolIdOrCounty);
    }

    public Agency CountyGovernmentFor(string county) => CountyAgency(county, AgencyKind.CountyGovernment);

    public Agency PoliceBureauFor(string county) => CountyAgency(county, AgencyKind.PoliceBureau);

    /// <summary>The county police bureau's 少年警察隊, the level 2 police side.</summary>
    public Agency JuvenilePoliceFor(string county) => CountyAgency(county, AgencyKind.JuvenilePolice);

    public Agency SocialAffairsFor(string county) => CountyAgency(county, AgencyKind.SocialAffairsBureau);

    public Agency JuvenileCounsellingFor(string county) => CountyAgency(county, AgencyKind.JuvenileCounsellingCommittee);

    public Agency DrugPreventionCentreFor(string county) => CountyAgency(county, AgencyKind.DrugPreventionCentre);

    /// <summary>The 地檢署 serving the county (the main one where several do; see its note).</summary>
    public Agency ProsecutorsFor(string county) => CountyAgency(county, AgencyKind.DistrictProsecutors);

    /// <summary>The 憲兵隊 whose area covers the county.</summary>
    public Agency MilitaryPoliceOfArea(string county) => CountyAgency(county, AgencyKind.MilitaryPolice);

    /// <summary>The 憲兵隊 a military school notifies and hears from.</summary>
    public Agency MilitaryPoliceFor(string militarySchoolId)
    {
        var school = GetOfKind(militarySchoolId, AgencyKind.MilitarySchool);
        return Get(school.MilitaryPoliceId!);
    }

    /// <summary>The military schools of a 憲兵隊's area.</summary>
    public IReadOnlyList<Agency> MilitarySchoolsFor(string militaryPoliceId)
    {
        var police = GetOfKind(militaryPoliceId, AgencyKind.MilitaryPolice);
        return [.. _militarySchoolsByPolice[police.Id]];
    }

    /// <summary>
    /// Where an unacknowledged task goes next: 派出所 → 分局 → 少年警察隊 (or the 警察局 where a
    /// county has none) → 警政署; school → 校外會／聯絡處 → 教育部; 憲兵隊 → 國防部; otherwise
    /// the parent. Null at the top of a chain.
    /// </summary>
    public Agency? EscalationTarget(string agencyId)
    {
        var agency = Get(agencyId);
        return agency.Kind switch
        {
            AgencyKind.PolicePrecinct =>
                _countyAgency.GetValueOrDefault((AgencyKind.JuvenilePolice, agency.CountyCode!)) ?? Get(agency.ParentId!),
            // The 少年警察隊 is the county's level 2 police contact, so it answers to level 1 directly.
            AgencyKind.JuvenilePolice => ParentOf(Get(agency.ParentId!)),
            AgencyKind.School => CountyAgency(agency.CountyCode!, AgencyKind.LiaisonOffice),
            // 國軍毒品案件聯繫通報 reaches the 國防部 through the 憲兵隊, not through the command.
            AgencyKind.MilitaryPolice => ParentOf(Get(agency.ParentId!)),
            _ => ParentOf(agency),
        };
    }

    /// <summary>The agency followed by each escalation step up to the top.</summary>
    public IReadOnlyList<Agency> EscalationChain(string agencyId)
    {
        var chain = new List<Agency> { Get(agencyId) };
        // Every step goes to a strictly higher kind, so the walk ends; the bound guards bad data.
        for (var next = EscalationTarget(agencyId); next is not null && chain.Count <= Agencies.Count; next = EscalationTarget(next.Id))
        {
            chain.Add(next);
        }
        return chain;
    }

    private Agency? ParentOf(Agency agency) => agency.ParentId is null ? null : Get(agency.ParentId);

    private Agency GetOfKind(string agencyId, AgencyKind kind)
    {
        var agency = Get(agencyId);
        return agency.Kind == kind
            ? agency
            : throw new ArgumentException(
                $"「{agency.Name}」({agency.Id}) 是{agency.Kind.DisplayName()}，不是{kind.DisplayName()}。", nameof(agencyId));
    }

    private Agency CountyAgency(string countyCodeOrName, AgencyKind kind)
    {
        var county = Counties.Get(countyCodeOrName);
        return _countyAgency.TryGetValue((kind, county.Code), out var agency)
            ? agency
            : throw new MissingAgencyException(county.Name, kind);
    }
}
