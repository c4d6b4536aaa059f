using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Operations;

/// <summary>Where a long operation stands. Stored in lower case.</summary>
public enum OperationStatus
{
    Running,
    Succeeded,
    Failed,

    /// <summary>The host running it stopped before it ended: a shutdown, a crash or a lost database connection.</summary>
    Interrupted,
}

/// <summary>
/// One long operation as stored: what it is, who started it, how far it got (the counts of the current
/// stage and the stage's name in Traditional Chinese) and, once it ends, its result or error.
/// </summary>
public sealed record LongOperation(
    long Id,
    string Kind,
    string Title,
    string StartedByUser,
    string StartedByAgency,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    OperationStatus Status,
    long Done,
    long? Total,
    string Stage,
    OperationResult? Result,
    string? Error)
{
    public bool IsRunning => Status == OperationStatus.Running;

    /// <summary>Whole percent of the current stage, or null while its size is unknown.</summary>
    public int? Percent => Total is > 0 and var total ? (int)Math.Clamp(Done * 100 / total, 0, 100) : null;
}

/// <summary>
/// What an operation leaves for the administrator: one sentence, a link onward (the imported directory,
/// the report), the problems found (every error of a refused import, with where it is), and data
/// of the operation's kind that a page renders (a report).
/// </summary>
public sealed record OperationResult(
    string Summary,
    string? Link = null,
    string? LinkText = null,
    IReadOnlyList<OperationProblem>? Problems = null,
    JsonNode? Data = null)
{
    public IReadOnlyList<OperationProblem> Problems { get; init; } = Problems ?? [];

    /// <summary>How many problems were found in all, when more were found than <see cref="Problems"/> lists.</summary>
    public int? ProblemCount { get; init; }
}

/// <summary>One problem an operation found: where (a file and line, or a JSON path), which field, what is wrong.</summary>
public sealed record OperationProblem(string Where, string? Field, string Message);

/// <summary>Who starts an operation, what kind it is and the title people see.</summary>
public sealed record OperationStart(string Kind, string Title, string UserId, string AgencyId);

/// <summary>
/// Thrown by an operation's work when it ends without doing what it was asked, for a reason the
/// administrator can act on: the message and problems are shown as they are.
/// </summary>
public sealed class OperationFailedException(string message, OperationResult? result = null) : Exception(message)
{
    public OperationResult? Result { get; } = result;
}

/// <summary>Where an operation's work reports how far it got. Calls come one at a time, from the work itself.</summary>
public interface IOperationProgress
{
    /// <summary>The operation being reported on.</summary>
    long OperationId { get; }

    /// <summary>Records that <paramref name="done"/> of <paramref name="total"/> items of the stage are done; the store is written at most every few hundred milliseconds, and at once when the stage changes or ends.</summary>
    ValueTask ReportAsync(string stage, long done, long? total, CancellationToken cancellationToken);
}

/// <summary>The work of one operation: gets its progress sink and the host's stopping token.</summary>
public delegate Task<OperationResult> OperationWork(IOperationProgress progress, CancellationToken cancellationToken);
