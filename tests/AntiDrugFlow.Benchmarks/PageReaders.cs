using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AntiDrugFlow.Benchmarks;

/// <summary>One page as a user opens it: its address, who opens it (a demo account) and what it shows of the seeded data.</summary>
public sealed record ReaderPage(string Name, string Viewer, string Path);

/// <summary>
/// The pages themselves over HTTP, as their users meet them: the host started on the seeded database (Kestrel on
/// loopback, in this process), each viewer signed in once, and many readers opening one page at a time. Two loads per
/// page: closed loop (each reader opens the page again as soon as the last one came back: the most the two cores give)
/// and open loop (each reader opens the page once per think time, on a fixed schedule spread over the readers; latency
/// counts from the scheduled moment, so a queue behind a slow page shows instead of hiding in fewer requests).
/// </summary>
public sealed class PageReaders(int readers, int closedRequests, TimeSpan think, TimeSpan openDuration, TextWriter output)
{
    public async Task MeasureAsync(string connectionString, string directory, IReadOnlyList<ReaderPage> pages, CancellationToken cancellationToken)
    {
        await using var app = await HttpLoadBenchmark.StartHostAsync(connectionString, Path.Combine(directory, "mail"), tagRequests: false, cancellationToken);
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var clients = new Dictionary<string, HttpClient>(StringComparer.Ordinal);
            foreach (var viewer in pages.Select(p => p.Viewer).Distinct())
            {
                clients[viewer] = await HttpLoadBenchmark.SignedInAsync(address, viewer, cancellationToken);
            }

            output.WriteLine();
            output.WriteLine($"## The pages over HTTP: {readers} readers, host in this process on {address}; load average {HttpLoadBenchmark.LoadAverage()}");
            foreach (var page in pages)
            {
                // Each page once, checked: a page that fails is no page to time.
                using var response = await clients[page.Viewer].GetAsync(page.Path, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                output.WriteLine($"- {page.Name}: {page.Viewer} GET {page.Path} → {(int)response.StatusCode}, {body.Length / 1024.0:0} KB of HTML");
                response.EnsureSuccessStatusCode();
            }

            await ProfileAsync(clients, pages, cancellationToken);

            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Closed loop: {readers} readers, no think time, {closedRequests} requests per page after {readers} warm-up. Open loop: {readers} readers each opening the page every {think.TotalMilliseconds:0} ms ({readers / think.TotalSeconds:0} pages/s) for {openDuration.TotalSeconds:0} s, latency from the scheduled time."));
            output.WriteLine();
            output.WriteLine("| page | viewer | closed: pages/s | closed p50 ms | closed p99 ms | open: pages/s | open p50 ms | open p99 ms | open max ms | failed | host CPU ms/page | load |");
            output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var page in pages)
            {
                var client = clients[page.Viewer];
                var closed = new EndpointTimes(page.Name);
                await ClosedLoopAsync(client, page.Path, readers, new EndpointTimes("warm-up"), cancellationToken);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                await ClosedLoopAsync(client, page.Path, closedRequests, closed, cancellationToken);
                var closedElapsed = watch.Elapsed;
                var cpuPerPage = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / closedRequests;
                var open = new EndpointTimes(page.Name);
                watch.Restart();
                await OpenLoopAsync(client, page.Path, open, cancellationToken);
                var openElapsed = watch.Elapsed;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {page.Name} | {page.Viewer} | {closed.Count / closedElapsed.TotalSeconds:0} | {closed.PercentileMilliseconds(0.5):0.0} | {closed.PercentileMilliseconds(0.99):0.0} | {open.Count / openElapsed.TotalSeconds:0} | {open.PercentileMilliseconds(0.5):0.0} | {open.PercentileMilliseconds(0.99):0.0} | {open.PercentileMilliseconds(1):0.0} | {closed.Failures + open.Failures} | {cpuPerPage:0.0} | {HttpLoadBenchmark.LoadAverage()} |"));
                if ((closed.FirstFailure ?? open.FirstFailure) is { } failure)
                {
                    output.WriteLine($"  first failure: {failure}");
                }
            }
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>One reader, <see cref="ProfiledRequests"/> of each page one at a time: the database round trips and the server's own time of each page.</summary>
    private async Task ProfileAsync(Dictionary<string, HttpClient> clients, IReadOnlyList<ReaderPage> pages, CancellationToken cancellationToken)
    {
        const int ProfiledRequests = 30;
        using var profiler = new RequestProfiler();
        output.WriteLine();
        output.WriteLine($"### One reader, {ProfiledRequests} of each page one at a time: where the server's time goes (load average {HttpLoadBenchmark.LoadAverage()})");
        foreach (var page in pages)
        {
            profiler.Reset();
            var times = new EndpointTimes(page.Name);
            for (var i = 0; i < ProfiledRequests; i++)
            {
                await GetAsync(clients[page.Viewer], page.Path, times, Stopwatch.GetTimestamp(), cancellationToken);
            }

            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{page.Name} ({page.Viewer}): client p50 {times.PercentileMilliseconds(0.5):0.0} ms"));
            profiler.Write(output);
        }
    }

    /// <summary><paramref name="count"/> requests from <see cref="readers"/> readers, each sending its next as soon as its last came back.</summary>
    private async Task ClosedLoopAsync(HttpClient client, string path, int count, EndpointTimes times, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await GetAsync(client, path, times, started, cancellationToken);
            }
        }, cancellationToken)));
    }

    /// <summary>Each reader opens the page at its own offset and then every think time; a late answer does not move the schedule.</summary>
    private async Task OpenLoopAsync(HttpClient client, string path, EndpointTimes times, CancellationToken cancellationToken)
    {
        var origin = Stopwatch.GetTimestamp();
        var rounds = (int)(openDuration / think);
        await Task.WhenAll(Enumerable.Range(0, readers).Select(reader => Task.Run(async () =>
        {
            for (var round = 0; round < rounds; round++)
            {
                var due = think * (round + (double)reader / readers);
                var wait = due - Stopwatch.GetElapsedTime(origin);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                await GetAsync(client, path, times, origin + (long)(due.TotalSeconds * Stopwatch.Frequency), cancellationToken);
            }
        }, cancellationToken)));
    }

    private static async Task GetAsync(HttpClient client, string path, EndpointTimes times, long since, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                times.Add(Stopwatch.GetElapsedTime(since));
            }
            else
            {
                times.Failed($"{(int)response.StatusCode} on {path}");
            }
        }
        catch (HttpRequestException ex)
        {
            times.Failed($"{ex.Message} on {path}");
        }
    }
}
