using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>
/// A TCP relay between a host and the test PostgreSQL, so a test can take the database away as a restart or a failover
/// does: <see cref="Cut"/> drops every open connection and refuses new ones until <see cref="Restore"/>.
/// </summary>
public sealed class DatabaseProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private volatile bool _cut;
    private int _refused;

    private DatabaseProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>The connection string of <paramref name="connectionString"/>'s database, through the relay.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Connections turned away while cut.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public static DatabaseProxy For(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var proxy = new DatabaseProxy(target.Port);
        target.Port = ((IPEndPoint)proxy._listener.LocalEndpoint).Port;
        proxy.ConnectionString = target.ConnectionString;
        return proxy;
    }

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient incoming;
            try
            {
                incoming = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_cut)
            {
                // A reset, as from a port nobody listens on any more.
                Interlocked.Increment(ref _refused);
                incoming.Client.LingerState = new LingerOption(true, 0);
                incoming.Dispose();
                continue;
            }

            _ = RelayAsync(incoming);
        }
    }

    private async Task RelayAsync(TcpClient incoming)
    {
        var outgoing = new TcpClient();
        try
        {
            await outgoing.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            lock (_open)
            {
                _open.Add(incoming);
                _open.Add(outgoing);
            }

            var a = incoming.GetStream().CopyToAsync(outgoing.GetStream(), _stop.Token);
            var b = outgoing.GetStream().CopyToAsync(incoming.GetStream(), _stop.Token);
            await Task.WhenAny(a, b);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The relay ends with either side.
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(incoming);
                _open.Remove(outgoing);
            }

            incoming.Dispose();
            outgoing.Dispose();
        }
    }
}
