using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>
/// The transaction an instance's first step commits in, lent to the caller that starts it: the caller's own
/// rows (the case the instance serves) and messages commit with the step, or none of them do.
/// </summary>
public sealed class WorkflowTransaction
{
    private readonly IOutbox _outbox;

    internal WorkflowTransaction(NpgsqlTransaction transaction, IOutbox outbox)
    {
        Transaction = transaction;
        _outbox = outbox;
    }

    public NpgsqlTransaction Transaction { get; }

    public NpgsqlConnection Connection => Transaction.Connection ?? throw new InvalidOperationException("The transaction has ended.");

    /// <summary>Queues messages with the step; a key queued already is skipped (see <see cref="IOutbox"/>).</summary>
    public Task EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken) =>
        _outbox.EnqueueAsync(Transaction, messages, cancellationToken);
}
