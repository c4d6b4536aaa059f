using AntiDrugFlow.Workflows.Agencies;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>
/// The agencies that hold a case: the one that started it, its school and its county's liaison office (校外會).
/// Only they change its course (a transition, an event from their own system); others at most see it.
/// </summary>
public static class CaseTeam
{
    /// <summary>The county of a liaison office, null for any other agency.</summary>
    public static string? LiaisonCounty(AgencyDirectory agencies, string agencyId) =>
        agencies.TryGet(agencyId, out var agency) && agency.Kind == AgencyKind.LiaisonOffice ? agency.CountyCode : null;

    public static bool Includes(AgencyDirectory agencies, string agencyId, CaseRecord record) =>
        agencyId == record.OriginAgencyId || agencyId == record.SchoolId || (record.County is not null && LiaisonCounty(agencies, agencyId) == record.County);
}
