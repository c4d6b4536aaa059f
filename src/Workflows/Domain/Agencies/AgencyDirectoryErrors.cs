namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>Where an agency came from: the file and the row or array index inside it.</summary>
public sealed record AgencySourceLocation(string File, string Position)
{
    /// <summary>Where the row comes in the files read together, so that problems list in file and line order.</summary>
    internal long Ordinal { get; init; }

    public override string ToString() => $"{File} {Position}";
}

/// <summary>
/// One problem in directory data: the file, the position (a line of a CSV file, an array index of a
/// JSON file), the field and what is wrong, so that an administrator can fix the data without reading code.
/// </summary>
public sealed record AgencyImportError(string File, string Position, string Field, string Problem)
{
    internal AgencyImportError(AgencySourceLocation location, string field, string problem)
        : this(location.File, location.Position, field, problem)
    {
        Ordinal = location.Ordinal;
    }

    /// <summary>The order of the row (or file) it is about among the files read together.</summary>
    internal long Ordinal { get; init; }

    public override string ToString() => $"{File} {Position} 欄位「{Field}」：{Problem}";
}

/// <summary>
/// Directory data that cannot be loaded. Holds every problem found; the message, file, position and
/// field are those of the first.
/// </summary>
public sealed class AgencyImportException : Exception
{
    public AgencyImportException(string file, string position, string field, string problem)
        : this([new AgencyImportError(file, position, field, problem)])
    {
    }

    public AgencyImportException(IReadOnlyList<AgencyImportError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    internal AgencyImportException(AgencySourceLocation location, string field, string problem)
        : this(location.File, location.Position, field, problem)
    {
    }

    public IReadOnlyList<AgencyImportError> Errors { get; }

    public string File => Errors[0].File;

    public string Position => Errors[0].Position;

    public string Field => Errors[0].Field;

    public string Problem => Errors[0].Problem;

    private static string Describe(IReadOnlyList<AgencyImportError> errors)
    {
        if (errors.Count == 0)
        {
            throw new ArgumentException("an import exception needs at least one error", nameof(errors));
        }

        return errors.Count == 1 ? errors[0].ToString() : $"{errors[0]}（另有 {errors.Count - 1} 項錯誤）";
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
