using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace AntiDrugFlow.Tests.Outbox;

public enum AgencyBehaviour
{
    Ok,
    Fail,

    /// <summary>Takes the request and answers only when the test releases it (or the server stops).</summary>
    Slow,
}

public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>When the request was read (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long ReceivedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : string.Empty;

    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>A real HTTP server (Kestrel) on a free 127.0.0.1 port standing in for an agency system.</summary>
public sealed class LoopbackAgency : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private int _maxInFlight;

    private LoopbackAgency(WebApplication app) => _app = app;

    public AgencyBehaviour Behaviour { get; set; }

    /// <summary>Every request as it arrived, answered or not.</summary>
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Requests that got a 2xx answer.</summary>
    public ConcurrentQueue<ReceivedRequest> Accepted { get; } = new();

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most requests it held at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public Uri Address { get; private set; } = null!;

    public Uri Endpoint(string path = "/api/notices") => new(Address, path);

    public static async Task<LoopbackAgency> StartAsync(AgencyBehaviour behaviour, Func<ReceivedRequest, int>? status = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new LoopbackAgency(app) { Behaviour = behaviour };
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var request = new ReceivedRequest(
                context.Request.Path,
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body.ToArray());
            server.Requests.Enqueue(request);
            var inFlight = Interlocked.Increment(ref server._inFlight);
            for (var most = server.MaxInFlight; inFlight > most && Interlocked.CompareExchange(ref server._maxInFlight, inFlight, most) != most; most = server.MaxInFlight)
            {
            }

            try
            {
                if (server.Behaviour == AgencyBehaviour.Slow)
                {
                    await server._release.Task.WaitAsync(context.RequestAborted);
                }

                var code = server.Behaviour == AgencyBehaviour.Fail ? 500 : status?.Invoke(request) ?? 200;
                if (code is >= 200 and < 300)
                {
                    server.Accepted.Enqueue(request);
                }

                context.Response.StatusCode = code;
            }
            finally
            {
                Interlocked.Decrement(ref server._inFlight);
            }
        });
        await app.StartAsync();
        server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    /// <summary>Lets every held request (and any later one) through.</summary>
    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A TCP port that accepts connections and never says a word: a system that does not answer at all.</summary>
public sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    public SilentListener()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>A loopback port nobody listens on: connections are refused at once.</summary>
    public static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                _clients.Add(await _listener.AcceptTcpClientAsync(_stop.Token));
                Interlocked.Increment(ref _accepted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }
}
