namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>
/// One agency of the notification chain. Relations are ids into the same directory: the parent
/// in the organisation, the 派出所 a school reports to, the 憲兵隊 a military school works with.
/// </summary>
/// <param name="Id">A stable ASCII code (lower case, digits, hyphens) that tasks and routes refer to.</param>
/// <param name="Name">The official name in Traditional Chinese.</param>
/// <param name="CountyCode">The county the agency sits in (TW-KEE); null for central agencies.</param>
/// <param name="AlsoServes">Further counties an area agency serves, such as a 地檢署 or a 憲兵隊 whose district spans several.</param>
/// <param name="Endpoints">Integration kind (smtp, http, 校安通報 …) to that integration's address or setting.</param>
/// <param name="Note">Why the entry looks the way it does, e.g. which office was chosen where several serve a county.</param>
public sealed record Agency(
    string Id,
    string Name,
    AgencyKind Kind,
    int Level,
    string? CountyCode,
    string? ParentId,
    IReadOnlyList<string> ContactEmails,
    string? PoliceStationId = null,
    string? MilitaryPoliceId = null,
    IReadOnlyList<string>? AlsoServes = null,
    IReadOnlyDictionary<string, string>? Endpoints = null,
    string? Note = null)
{
    public IReadOnlyList<string> AlsoServes { get; init; } = AlsoServes ?? [];

    public IReadOnlyDictionary<string, string> Endpoints { get; init; } =
        Endpoints ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>True when the agency sits in the county or its district covers it.</summary>
    public bool Serves(string countyCode) =>
        string.Equals(CountyCode, countyCode, StringComparison.Ordinal) || AlsoServes.Contains(countyCode, StringComparer.Ordinal);

    // Compared by content, lists and endpoints included, so that the same data read from two
    // formats gives equal agencies (a record's default equality compares the lists by reference).
    public bool Equals(Agency? other) =>
        other is not null
        && Id == other.Id
        && Name == other.Name
        && Kind == other.Kind
        && Level == other.Level
        && CountyCode == other.CountyCode
        && ParentId == other.ParentId
        && PoliceStationId == other.PoliceStationId
        && MilitaryPoliceId == other.MilitaryPoliceId
        && Note == other.Note
        && ContactEmails.SequenceEqual(other.ContactEmails)
        && AlsoServes.SequenceEqual(other.AlsoServes)
        && Endpoints.Count == other.Endpoints.Count
        && Endpoints.All(e => other.Endpoints.TryGetValue(e.Key, out var value) && value == e.Value);

    public override int GetHashCode() => HashCode.Combine(Id, Name, Kind, CountyCode, ParentId);
}
