namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>Where an agency came from: the file and the row or array index inside it.</summary>
public sealed record AgencySourceLocation(string File, string Position)
{
    public override string ToString() => $"{File} {Position}";
}

/// <summary>
/// A directory file that cannot be loaded. The message names the file, the position and the
/// field so that an administrator can fix the data without reading code.
/// </summary>
public sealed class AgencyImportException(string file, string position, string field, string problem)
    : Exception($"{file} {position} 欄位「{field}」：{problem}")
{
    public string File { get; } = file;
    public string Position { get; } = position;
    public string Field { get; } = field;
    public string Problem { get; } = problem;

    internal AgencyImportException(AgencySourceLocation location, string field, string problem)
        : this(location.File, location.Position, field, problem)
    {
    }
}

/// <summary>An id that is not in the directory.</summary>
public sealed class UnknownAgencyException(string agencyId)
    : KeyNotFoundException($"機構代碼「{agencyId}」不在機構名錄中。")
{
    public string AgencyId { get; } = agencyId;
}

/// <summary>The directory holds no agency of a kind that a county or an agency needs.</summary>
public sealed class MissingAgencyException(string subject, AgencyKind kind)
    : InvalidOperationException($"機構名錄中找不到{subject}的{kind.DisplayName()}。")
{
    public string Subject { get; } = subject;
    public AgencyKind Kind { get; } = kind;
}
