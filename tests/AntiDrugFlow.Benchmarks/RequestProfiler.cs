using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// Where a request's time goes, from the activities the host already emits: each HTTP request (ASP.NET Core), the database
/// commands inside it (Npgsql: one activity per command or batch, i.e. per round trip other than a transaction's COMMIT)
/// and the engine's steps. What is left of a request's time is the host's own work: sign-in and cookie checks, look-ups,
/// encryption, JSON, rendering.
/// </summary>
public sealed class RequestProfiler : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<string, RequestData> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RouteData> _routes = new(StringComparer.Ordinal);
    private long _backgroundCommands;

    public RequestProfiler()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Npgsql" or "AntiDrugFlow.Workflows",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Reset()
    {
        _routes.Clear();
        Interlocked.Exchange(ref _backgroundCommands, 0);
    }

    public void Write(TextWriter output)
    {
        output.WriteLine("| request | count | server p50 ms | server mean ms | DB commands each | in DB ms each | engine steps ms each | rest (host's own work) ms each |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (route, data) in _routes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var count = data.Durations.Count;
            var sorted = data.Durations.OrderBy(d => d).ToArray();
            var mean = sorted.Average(d => d.TotalMilliseconds);
            var db = data.DbTime.TotalMilliseconds / count;
            var step = data.StepTime.TotalMilliseconds / count;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {route} | {count} | {sorted[sorted.Length / 2].TotalMilliseconds:0.00} | {mean:0.00} | {(double)data.Commands / count:0.00} | {db:0.00} | {step:0.00} | {mean - db - step:0.00} |"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Database commands outside requests in the same time (background services): {Interlocked.Read(ref _backgroundCommands)}."));
        output.WriteLine();
        foreach (var (route, data) in _routes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"Commands of the last {route}, in order:");
            foreach (var command in data.LastCommands)
            {
                output.WriteLine("    " + command);
            }

            output.WriteLine();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Stopped(Activity activity)
    {
        var root = activity;
        while (root.Parent is { } parent)
        {
            root = parent;
        }

        switch (activity.Source.Name)
        {
            case "Microsoft.AspNetCore":
                _open.TryRemove(activity.Id ?? string.Empty, out var finished);
                var route = $"{activity.GetTagItem("http.request.method")} {activity.GetTagItem("http.route") ?? activity.DisplayName}";
                var data = _routes.GetOrAdd(route, _ => new RouteData());
                lock (data)
                {
                    data.Durations.Add(activity.Duration);
                    data.Commands += finished?.Commands.Count ?? 0;
                    data.DbTime += finished?.DbTime ?? TimeSpan.Zero;
                    data.StepTime += finished?.StepTime ?? TimeSpan.Zero;
                    if (finished is { Commands.Count: > 0 })
                    {
                        data.LastCommands = [.. finished.Commands];
                    }
                }

                break;
            case "Npgsql" when root.Source.Name == "Microsoft.AspNetCore":
                var request = _open.GetOrAdd(root.Id!, _ => new RequestData());
                lock (request)
                {
                    var text = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement"))?.ToString() ?? activity.DisplayName;
                    request.Commands.Add(string.Create(CultureInfo.InvariantCulture, $"{activity.Duration.TotalMilliseconds,6:0.00} ms  {OneLine(text)}"));
                    request.DbTime += activity.Duration;
                }

                break;
            case "Npgsql":
                Interlocked.Increment(ref _backgroundCommands);
                break;
            case "AntiDrugFlow.Workflows" when activity.OperationName.StartsWith("workflow.step", StringComparison.Ordinal) && root.Source.Name == "Microsoft.AspNetCore":
                var stepped = _open.GetOrAdd(root.Id!, _ => new RequestData());
                lock (stepped)
                {
                    stepped.StepTime += activity.Duration;
                }

                break;
        }
    }

    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return line.Length > 150 ? line[..150] + " …" : line;
    }

    private sealed class RequestData
    {
        public List<string> Commands { get; } = [];

        public TimeSpan DbTime { get; set; }

        public TimeSpan StepTime { get; set; }
    }

    private sealed class RouteData
    {
        public List<TimeSpan> Durations { get; } = [];

        public long Commands { get; set; }

        public TimeSpan DbTime { get; set; }

        public TimeSpan StepTime { get; set; }

        public List<string> LastCommands { get; set; } = [];
    }
}
