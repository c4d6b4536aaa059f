using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>
/// The transaction an instance's step commits in, lent to the caller that starts or resumes it: the caller's own
/// rows (the case the instance serves, its audit row) and messages commit with the step, or none of them do.
/// The caller's work runs before the step's writes; what it <see cref="Batch"/>es is sent with them, after them,
/// in the same round trip.
/// </summary>
public sealed class WorkflowTransaction
{
    private readonly IOutbox _outbox;
    private readonly List<NpgsqlBatchCommand> _batched = [];

    internal WorkflowTransaction(NpgsqlTransaction transaction, IOutbox outbox)
    {
        Transaction = transaction;
        _outbox = outbox;
    }

    public NpgsqlTransaction Transaction { get; }

    public NpgsqlConnection Connection => Transaction.Connection ?? throw new InvalidOperationException("The transaction has ended.");

    /// <summary>
    /// A write that needs no answer, sent in one round trip with the step's own writes and after them (so it may refer to
    /// the step's rows); an error in it (e.g. a unique violation) is thrown where the step is saved and nothing commits.
    /// </summary>
    public void Batch(NpgsqlBatchCommand command) => _batched.Add(command);

    /// <summary>The commands <see cref="Batch"/> collected, in order.</summary>
    internal IReadOnlyList<NpgsqlBatchCommand> Batched => _batched;

    /// <summary>Queues messages with the step; a key queued already is skipped (see <see cref="IOutbox"/>).</summary>
    public Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken) =>
        _outbox.EnqueueAsync(Transaction, messages, cancellationToken);
}
