using System.Text.Json;

namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>
/// Who is told about an item's deadlines: each lead agency, by the name the plan writes, and the
/// 綜合規劃組 (法務部), which hears of every overdue item. Read from workflows-json/milestones/contacts.json.
/// </summary>
public sealed record MilestoneContacts(MilestoneContacts.Office PlanningGroup, IReadOnlyDictionary<string, IReadOnlyList<string>> Agencies)
{
    public sealed record Office(string Name, IReadOnlyList<string> Emails);

    /// <summary>The addresses of the item's lead agencies; the planning group's when none is known, so nothing goes unsent.</summary>
    public IReadOnlyList<string> LeadAgencyEmails(MilestoneItem item)
    {
        var emails = item.LeadAgencies.SelectMany(a => Agencies.TryGetValue(a, out var list) ? list : []).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return emails.Count > 0 ? emails : PlanningGroup.Emails;
    }

    public static async Task<MilestoneContacts> LoadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        var file = await JsonSerializer.DeserializeAsync<ContactsFile>(stream, MilestoneCatalog.JsonOptions, cancellationToken)
            ?? throw new MilestoneCatalogException($"Milestone contacts {path} are empty.");
        if (file.PlanningGroup is not { Name: { Length: > 0 } name, Emails: { Count: > 0 } emails })
        {
            throw new MilestoneCatalogException($"Milestone contacts {path}: field 'planningGroup' needs a name and at least one email.", field: "planningGroup");
        }

        return new MilestoneContacts(
            new Office(name, emails),
            (file.Agencies ?? []).ToDictionary(a => a.Key, a => (IReadOnlyList<string>)a.Value, StringComparer.Ordinal));
    }

    private sealed record ContactsFile(OfficeFile? PlanningGroup, Dictionary<string, List<string>>? Agencies);

    private sealed record OfficeFile(string? Name, List<string>? Emails);
}
