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
public sealed class WorkflowTransaction : IAsyncDisposable
{
    private readonly IOutbox _outbox;
    private readonly NpgsqlDataSource? _dataSource;
    private NpgsqlConnection? _connection;
    private readonly List<NpgsqlBatchCommand> _batched = [];
    private NpgsqlTransaction? _transaction;

    internal WorkflowTransaction(NpgsqlTransaction transaction, IOutbox outbox)
    {
        _transaction = transaction;
        _connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has ended.");
        _outbox = outbox;
    }

    /// <summary>
    /// A transaction begun only when the caller asks for it (<see cref="Transaction"/>, <see cref="Connection"/>,
    /// <see cref="EnqueueAsync"/>); a caller that only <see cref="Batch"/>es lets the step commit in one round trip.
    /// </summary>
    internal WorkflowTransaction(NpgsqlConnection connection, IOutbox outbox)
    {
        _connection = connection;
        _outbox = outbox;
    }

    /// <summary>
    /// A start's: no connection until the caller asks for the transaction (then one is opened, synchronously, and the step
    /// is written on it); a caller that only <see cref="Batch"/>es lets the start be written with others (<see cref="StartGroups"/>).
    /// </summary>
    internal WorkflowTransaction(NpgsqlDataSource dataSource, IOutbox outbox)
    {
        _dataSource = dataSource;
        _outbox = outbox;
    }

    /// <summary>The step's transaction, begun now if it was not (Npgsql sends its BEGIN with the next command: no round trip).</summary>
    public NpgsqlTransaction Transaction => _transaction ??= (_connection ??= _dataSource!.OpenConnection()).BeginTransaction();

    public NpgsqlConnection Connection => Transaction.Connection ?? throw new InvalidOperationException("The transaction has ended.");

    /// <summary>The transaction when one was begun; null when the step's writes may commit on their own.</summary>
    internal NpgsqlTransaction? Begun => _transaction;

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

    /// <summary>The connection the step is written on; null for a start whose caller has not asked for one.</summary>
    internal NpgsqlConnection? Opened => _connection;

    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
        }

        if (_dataSource is not null && _connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
