using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Tests.Email;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;
using Xunit;
using Xunit.Abstractions;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Service;

/// <summary>
/// Three host processes on one PostgreSQL, working tip-offs (notifications through the API, acknowledged and answered by
/// the police) and flows whose timers fall due during the run, with emails to a real SMTP server, while a host is killed
/// outright every few seconds and started again and PostgreSQL is restarted once. Afterwards every flow is finished or
/// waiting where it should, and nothing was done twice or lost.
/// </summary>
/// <remarks>
/// Sized to prove the point in about two to three minutes on a shared 2-core machine (<see cref="TipOffs"/> +
/// <see cref="TimerFlows"/> flows, at least <see cref="MinimumKills"/> kills). The flows start in batches, one before the
/// monkey's first round and one after each of its rounds, and each batch's last task waits for the next round, so every
/// kill and the restart meet flows under way. The client retries what a kill interrupts,
/// as a browser or an agency's system would: a notification under its Idempotency-Key, a start only after checking that
/// no instance has its correlation id, a task action taking 409 on a retry as "already done". Every wait is bounded and
/// generous; nothing asserts on time.
/// </remarks>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int TipOffs = 120;
    private const int TimerFlows = 120;
    private const int MinimumKills = 5;

    /// <summary>Seconds between the monkey's rounds.</summary>
    private const int RoundSeconds = 4;
    private const string Password = "TestDemoPass2026";
    private const string School = "school.kl-chenggong-jh";
    private const string Station = "police.kl-zhong-er-rd";
    private const string Delay = "00:00:06";

    private readonly HostProcess?[] _hosts = new HostProcess?[3];
    private readonly ConcurrentBag<string> _retries = [];
    private readonly List<TaskCompletionSource> _rounds = [.. Enumerable.Range(0, MinimumKills + 1).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
    private int _underWay;
    private Dictionary<string, string> _settings = null!;

    [Fact]
    public async Task Three_hosts_killed_in_turn_and_a_database_restart_lose_nothing_and_do_nothing_twice()
    {
        await using var cluster = await TestPostgres.StartOwnClusterAsync();
        await cluster.CreateDatabaseIfMissingAsync("chaos", CancellationToken.None);
        var connectionString = cluster.ConnectionString("chaos");
        await using var smtp = await SmtpTestServer.StartAsync();
        _settings = new Dictionary<string, string>
        {
            ["Security__RequireLogin"] = "true",
            ["Demo__SeedAccounts"] = "true",
            ["Demo__Password"] = Password,
            ["Workflows__Directory"] = Host.Infrastructure.ProjectPaths.WorkflowsDirectory(),
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A killed host's claims are taken over after the lease; short here so the run does not wait minutes.
            ["Outbox__PollInterval"] = "00:00:00.200",
            ["Outbox__Lease"] = "00:00:08",
            ["Outbox__MessageTimeout"] = "00:00:05",
            ["Outbox__FirstRetryDelay"] = "00:00:01",
            ["Deadlines__Timers__PollInterval"] = "00:00:00.500",
            ["Database__MaxConnections"] = "30",
        };

        // One host installs the schema, the definitions and the accounts; the other two join it.
        _hosts[0] = await HostProcess.StartAsync(connectionString, _settings);
        var joined = await Task.WhenAll(HostProcess.StartAsync(connectionString, _settings), HostProcess.StartAsync(connectionString, _settings));
        (_hosts[1], _hosts[2]) = (joined[0], joined[1]);
        using var abort = new CancellationTokenSource();
        Task<(int Kills, int Restarts, List<int> UnderWay)>? monkey = null;
        try
        {
            using var school = await SignedInAsync(School);
            using var station = await SignedInAsync(Station);
            using var admin = await SignedInAsync("admin");
            using (var published = await SendAsync(admin, () => Post("/api/workflow-definitions?publish=true", TimerFlow()), "publish the timer flow"))
            {
                Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            }

            await using var engine = new EngineReader(connectionString);
            using var stop = new CancellationTokenSource();
            monkey = MonkeyAsync(cluster, connectionString, stop.Token, abort.Token);
            var tipOffs = Enumerable.Range(0, TipOffs).Select(i => UnderWayAsync(i, TipOffs, round => TipOffAsync(i, round, school, station, engine))).ToList();
            var timers = Enumerable.Range(0, TimerFlows).Select(i => UnderWayAsync(i, TimerFlows, round => TimerFlowAsync(i, round, admin, engine))).ToList();
            var tipOffResults = await Task.WhenAll(tipOffs);
            var timerInstances = await Task.WhenAll(timers);
            await stop.CancelAsync();
            var (kills, restarts, underWay) = await monkey;
            Assert.True(kills >= MinimumKills, $"only {kills} kills");
            Assert.Equal(1, restarts);
            // Every kill and the restart came while flows were under way.
            Assert.All(underWay.Take(MinimumKills + 1), n => Assert.True(n > 0, $"flows under way at each round: {string.Join(", ", underWay)}"));

            // Settle: every host up, every timer flow at its end, every message of every flow delivered.
            var instanceIds = tipOffResults.Select(t => t.InstanceId).Concat(timerInstances).ToList();
            await Eventually.TrueAsync(async () => (await RetryAsync(() => engine.AllInstancesAsync(new InstanceFilter("chaos-timer", WorkflowStatus.Finished)))).Count == TimerFlows, "every timer flow to finish", seconds: 180);
            await Eventually.TrueAsync(async () => (await OutboxAsync(engine, instanceIds)).All(m => m.Status != OutboxStatuses.Pending), "every message to be delivered", seconds: 180);

            await AssertTipOffsWaitWhereTheyShouldAsync(engine, school, tipOffResults);
            await AssertTimerFlowsRanOnceAsync(engine, timerInstances);
            var messages = await OutboxAsync(engine, instanceIds);
            AssertEachEmailQueuedOnceAndReceived(smtp, messages, timerInstances);
            Assert.All(messages, m => Assert.Null(m.ClaimToken));
            Assert.Empty(messages.Where(m => m.Status != OutboxStatuses.Sent).Select(m => $"{m.Kind} {m.IdempotencyKey}: {m.Status} {m.LastError}"));
            Assert.Empty(await RetryAsync(() => engine.AllInstancesAsync(new InstanceFilter(Status: WorkflowStatus.Faulted))));
            var overdue = (await ((ITimerBookmarkQueries)engine.Instances).ListTimerBookmarksAsync(CancellationToken.None)).Where(t => t.DueAt < DateTimeOffset.UtcNow.AddMinutes(-1)).ToList();
            Assert.Empty(overdue);

            output.WriteLine($"{TipOffs} tip-offs, {TimerFlows} timer flows, {kills} hosts killed, PostgreSQL restarted {restarts}×, flows under way at each round: {string.Join(", ", underWay)}");
            output.WriteLine($"{messages.Count} messages, {smtp.Messages().Count} emails received, {_retries.Count} requests tried again: {string.Join("; ", _retries.GroupBy(r => r[(r.LastIndexOf(':') + 2)..]).Select(g => $"{g.Count()} × {g.Key}"))}");
        }
        finally
        {
            // A failure stops the monkey at once, so no host is started after the test.
            await abort.CancelAsync();
            if (monkey is not null)
            {
                await Task.WhenAny(monkey);
            }

            foreach (var host in _hosts)
            {
                if (host is not null)
                {
                    await host.DisposeAsync();
                }
            }
        }
    }

    /// <summary>
    /// Runs flow <paramref name="i"/> of <paramref name="count"/> in its batch: the first batch at once, batch b after the
    /// monkey's round b - 1; within a batch the flows start 100 ms apart. The flow is given the round it must wait for
    /// before its last task, so that round finds it under way.
    /// </summary>
    private async Task<T> UnderWayAsync<T>(int i, int count, Func<Task, Task<T>> flow)
    {
        var batches = _rounds.Count + 1;
        var batch = i * batches / count;
        if (batch > 0)
        {
            await _rounds[batch - 1].Task;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(100 * (i - ((batch * count) + batches - 1) / batches)));
        Interlocked.Increment(ref _underWay);
        try
        {
            return await flow(batch < _rounds.Count ? _rounds[batch].Task : Task.CompletedTask);
        }
        finally
        {
            Interlocked.Decrement(ref _underWay);
        }
    }

    /// <summary>Start, a first email, a timer, a task, a second email, the end.</summary>
    private static string TimerFlow() => new Flow("chaos-timer")
        .Activity("mail-start", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal("複查排定")), ("body", Literal("請登入系統查閱。")))
        .Activity("wait", "Elsa.Delay", ("timeSpan", Literal(Delay)))
        .WriteLine("fired", "timer fired")
        .Activity("review", "Elsa.RunTask", ("taskName", Literal("複查")), ("payload", ObjectExpr("{\"outcomes\":[\"完成\"]}")))
        .Activity("mail-done", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal("複查完成")), ("body", Literal("請登入系統查閱。")))
        .WriteLine("done", "done")
        .Chain("mail-start", "wait", "fired", "review", "mail-done", "done").Json();

    /// <summary>
    /// A tip-off from the school; every other one is acknowledged by the station, which then reports a final outcome.
    /// </summary>
    private async Task<(string CaseId, string InstanceId, bool Answered)> TipOffAsync(int i, Task round, HttpClient school, HttpClient station, EngineReader engine)
    {
        string caseId;
        using (var created = await SendAsync(school, () => Post("/api/notifications", """{"kind":"CampusSeizure","drugLevel":3}""", ("Idempotency-Key", $"chaos-{i}")), $"tip-off {i}"))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            caseId = (string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        }

        var instanceId = (await RetryAsync(() => engine.AllInstancesAsync(new InstanceFilter("tip-off-chain", CorrelationId: caseId)))).Single().Id;
        var answered = i % 2 == 0;
        if (answered)
        {
            await ActAsync(station, engine, instanceId, "route-police", "acknowledge", null);
            await round;
            await ActAsync(station, engine, instanceId, "police-outcome", "complete", """{"outcome":"查獲"}""");
        }
        else
        {
            await round;
        }

        return (caseId, instanceId, answered);
    }

    /// <summary>Waits for the task the activity routes, then acts on it; 409 on a retry means the interrupted try went through.</summary>
    private async Task ActAsync(HttpClient client, EngineReader engine, string instanceId, string activityId, string action, string? body)
    {
        var task = await WaitForTaskAsync(engine, instanceId, activityId);
        using var response = await SendAsync(client, () => Post($"/api/inbox/{task.Id}/{action}", body ?? "{}"), $"{action} {activityId} of {instanceId}", retriedAsDone: HttpStatusCode.Conflict);
        Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Conflict, $"{action} {activityId}: {response.StatusCode}");
    }

    /// <summary>Starts a timer flow (once, whatever a kill interrupts) and completes its task when the timer has let it through.</summary>
    private async Task<string> TimerFlowAsync(int i, Task round, HttpClient admin, EngineReader engine)
    {
        var correlationId = $"chaos-timer-{i}";
        string? instanceId = null;
        var attempt = 0;
        while (instanceId is null)
        {
            // A start is not idempotent: after a failed try, look before trying again.
            if (attempt++ > 0 && (await RetryAsync(() => engine.AllInstancesAsync(new InstanceFilter("chaos-timer", CorrelationId: correlationId)))).SingleOrDefault() is { } started)
            {
                instanceId = started.Id;
                break;
            }

            using var response = await TrySendAsync(admin, Post("/api/workflow-definitions/chaos-timer/dispatch", $$"""{"correlationId":"{{correlationId}}"}"""), $"start {correlationId}");
            if (response?.StatusCode == HttpStatusCode.Accepted)
            {
                instanceId = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
            }
            else
            {
                Assert.True(attempt < 200, $"could not start {correlationId}");
                await Task.Delay(250);
            }
        }

        var task = await WaitForTaskAsync(engine, instanceId, "review");
        await round;
        using var completed = await SendAsync(admin, () => Post($"/api/tasks/{task.Id}/complete", """{"result":{"outcome":"完成"}}"""), $"complete the task of {instanceId}", retriedAsDone: HttpStatusCode.Conflict);
        Assert.True(completed.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"complete {task.Id}: {completed.StatusCode}");
        return instanceId;
    }

    private async Task<HumanTask> WaitForTaskAsync(EngineReader engine, string instanceId, string activityId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (true)
        {
            var tasks = await RetryAsync(() => engine.Tasks.ListTasksAsync(null, instanceId, CancellationToken.None));
            if (tasks.FirstOrDefault(t => t.ActivityId == activityId) is { } task)
            {
                return task;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no {activityId} task for {instanceId} within 240 s");
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Every few seconds kills a host outright (SIGKILL), one after another, and starts it again in the background (on a new
    /// port), keeping at least one host up; its third round restarts PostgreSQL instead. Goes on until the load is done and
    /// enough kills have happened. Returns the flows under way at each round.
    /// </summary>
    private async Task<(int Kills, int Restarts, List<int> UnderWay)> MonkeyAsync(EmbeddedPostgresCluster cluster, string connectionString, CancellationToken done, CancellationToken abort)
    {
        try
        {
            return await RoundsAsync(cluster, connectionString, done, abort);
        }
        finally
        {
            // Flows waiting for a round that will not come stop waiting.
            foreach (var round in _rounds)
            {
                round.TrySetCanceled();
            }
        }
    }

    /// <summary>
    /// A killed host started again, as its supervisor would: once more if it exits while starting (it may meet the
    /// database restarting).
    /// </summary>
    private async Task<HostProcess> RestartAsync(string connectionString)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await HostProcess.StartAsync(connectionString, _settings);
            }
            catch (InvalidOperationException ex) when (attempt < 3)
            {
                _retries.Add($"host start: {ex.GetType().Name}");
            }
        }
    }

    private async Task<(int Kills, int Restarts, List<int> UnderWay)> RoundsAsync(EmbeddedPostgresCluster cluster, string connectionString, CancellationToken done, CancellationToken abort)
    {
        var (kills, restarts, underWay, starting) = (0, 0, new List<int>(), new List<Task>());
        var next = 0;
        try
        {
            for (var round = 0; !abort.IsCancellationRequested && (!done.IsCancellationRequested || kills < MinimumKills || restarts == 0); round++)
            {
                await Task.Delay(TimeSpan.FromSeconds(RoundSeconds), CancellationToken.None);
                if (abort.IsCancellationRequested)
                {
                    break;
                }

                if (round == 2)
                {
                    underWay.Add(Volatile.Read(ref _underWay));
                    await cluster.RestartAsync(CancellationToken.None);
                    restarts++;
                }
                else if (Enumerable.Range(next, _hosts.Length).Select(n => n % _hosts.Length).Where(n => _hosts[n] is not null).ToList() is { Count: >= 2 } up)
                {
                    // Never the last host up: a client must always find one.
                    var slot = up[0];
                    next = slot + 1;
                    var victim = _hosts[slot]!;
                    _hosts[slot] = null;
                    underWay.Add(Volatile.Read(ref _underWay));
                    victim.Kill();
                    await victim.DisposeAsync();
                    kills++;
                    starting.Add(Task.Run(async () => _hosts[slot] = await RestartAsync(connectionString)));
                }
                else
                {
                    continue;
                }

                if (underWay.Count <= _rounds.Count)
                {
                    _rounds[underWay.Count - 1].TrySetResult();
                }
            }
        }
        finally
        {
            // Every host being started is up (or failed) before the test goes on or disposes the hosts.
            await Task.WhenAll(starting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }

        await Task.WhenAll(starting);
        return (kills, restarts, underWay);
    }

    private async Task AssertTipOffsWaitWhereTheyShouldAsync(EngineReader engine, HttpClient school, IReadOnlyList<(string CaseId, string InstanceId, bool Answered)> tipOffs)
    {
        Assert.Equal(TipOffs, tipOffs.Select(t => t.CaseId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(TipOffs, (await RetryAsync(() => engine.AllInstancesAsync(new InstanceFilter("tip-off-chain")))).Count);
        foreach (var (caseId, instanceId, answered) in tipOffs)
        {
            Assert.Equal(WorkflowStatus.Suspended, (await engine.Instances.GetAsync(instanceId, CancellationToken.None))!.Status);
            var tasks = await engine.Tasks.ListTasksAsync(null, instanceId, CancellationToken.None);
            // No task routed twice: one task per routing activity.
            Assert.All(tasks.GroupBy(t => t.ActivityId), g => Assert.True(g.Count() == 1, $"{g.Count()} tasks from {g.Key} of {instanceId}"));
            Assert.Contains(tasks, t => t.ActivityId == "route-liaison" && t.Status == HumanTaskStatus.Pending);
            var police = Assert.Single(tasks, t => t.ActivityId == "route-police");
            using var view = await SendAsync(school, () => new HttpRequestMessage(HttpMethod.Get, $"/api/cases/{caseId}"), $"case {caseId}");
            var status = (string?)(await view.Content.ReadFromJsonAsync<JsonObject>())!["status"];
            if (answered)
            {
                Assert.Equal(HumanTaskStatus.Completed, police.Status);
                Assert.Equal(HumanTaskStatus.Completed, Assert.Single(tasks, t => t.ActivityId == "police-outcome").Status);
                Assert.Equal("警方回報：查獲", status);
            }
            else
            {
                Assert.Equal(HumanTaskStatus.Pending, police.Status);
                Assert.DoesNotContain(tasks, t => t.ActivityId == "police-outcome");
            }
        }
    }

    private static async Task AssertTimerFlowsRanOnceAsync(EngineReader engine, IReadOnlyList<string> instanceIds)
    {
        Assert.Equal(TimerFlows, instanceIds.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(TimerFlows, (await engine.AllInstancesAsync(new InstanceFilter("chaos-timer"))).Count);
        foreach (var id in instanceIds)
        {
            var instance = (await engine.Instances.GetAsync(id, CancellationToken.None))!;
            Assert.Equal(WorkflowStatus.Finished, instance.Status);
            Assert.Empty(instance.Bookmarks);
            // The timer fired once: what follows it ran once.
            var lines = (await engine.Instances.JournalAsync(id, CancellationToken.None)).Where(j => j.Event == "WriteLine").Select(j => j.Message).ToList();
            Assert.Equal(1, lines.Count(m => m == "timer fired"));
            Assert.Equal(1, lines.Count(m => m == "done"));
            Assert.Equal(HumanTaskStatus.Completed, Assert.Single(await engine.Tasks.ListTasksAsync(null, id, CancellationToken.None)).Status);
        }
    }

    /// <summary>
    /// Each email activity queued one message, and the SMTP server received each under its Message-ID. A host killed after
    /// the server took a message and before it recorded it sends that message again under the same Message-ID, which a
    /// receiver drops as a repeat; no message went out under a second identity.
    /// </summary>
    private void AssertEachEmailQueuedOnceAndReceived(SmtpTestServer smtp, IReadOnlyList<OutboxItem> messages, IReadOnlyList<string> timerInstances)
    {
        var emails = messages.Where(m => m.Kind == OutboxKinds.Email).ToList();
        Assert.Equal(emails.Count, emails.Select(m => m.IdempotencyKey).Distinct(StringComparer.Ordinal).Count());
        foreach (var id in timerInstances)
        {
            Assert.Equal(["mail-done", "mail-start"], emails.Where(m => m.InstanceId == id).Select(m => m.IdempotencyKey.Split(':')[1]).Order(StringComparer.Ordinal));
        }

        var received = smtp.Messages().GroupBy(m => m.Header("message-id"), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var missing = emails.Where(m => !received.ContainsKey($"<{SmtpEmailSender.MessageIdLocalPart(m.IdempotencyKey)}@antidrugflow>")).Select(m => m.IdempotencyKey).ToList();
        Assert.Empty(missing);
        var repeated = received.Values.Sum(n => n - 1);
        output.WriteLine($"{emails.Count} emails queued by the flows, {received.Count} distinct Message-IDs received, {repeated} repeats under the same Message-ID");
    }

    private static async Task<IReadOnlyList<OutboxItem>> OutboxAsync(EngineReader engine, IEnumerable<string> instanceIds)
    {
        var all = new List<OutboxItem>();
        foreach (var id in instanceIds)
        {
            all.AddRange(await RetryAsync(() => engine.Outbox.ListAsync(new OutboxFilter(InstanceId: id), CancellationToken.None)));
        }

        return all;
    }

    private async Task<HttpClient> SignedInAsync(string userName)
    {
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await SendAsync(client, () => Post("/api/account/login", $$"""{"userName":"{{userName}}","password":"{{Password}}"}"""), $"sign in {userName}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return client;
    }

    private static HttpRequestMessage Post(string path, string json, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    /// <summary>
    /// Sends to a host that is up, again and again while hosts are killed or the database is away (no answer, or 5xx),
    /// for at most four minutes. <paramref name="retriedAsDone"/>: a status that means the first try went through, so
    /// only acceptable on a retry.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpClient client, Func<HttpRequestMessage> request, string what, HttpStatusCode? retriedAsDone = null)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        for (var attempt = 0; ; attempt++)
        {
            if (await TrySendAsync(client, request(), what) is { } response)
            {
                Assert.False(attempt == 0 && response.StatusCode == retriedAsDone, $"{what} answered {response.StatusCode} at the first try");
                return response;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no host answered for 4 minutes: {what}");
            await Task.Delay(250);
        }
    }

    /// <summary>One try at a random host that is up; null when it did not answer or answered 5xx (noted as a retry).</summary>
    private async Task<HttpResponseMessage?> TrySendAsync(HttpClient client, HttpRequestMessage request, string what)
    {
        var up = _hosts.Where(h => h is not null).ToList();
        if (up.Count == 0)
        {
            request.Dispose();
            return null;
        }

        var host = up[Random.Shared.Next(up.Count)]!;
        request.RequestUri = new Uri($"http://127.0.0.1:{host.Port}{request.RequestUri!.OriginalString}");
        try
        {
            var response = await client.SendAsync(request);
            if ((int)response.StatusCode < 500)
            {
                return response;
            }

            _retries.Add($"{what}: {(int)response.StatusCode}");
            response.Dispose();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            _retries.Add($"{what}: {ex.GetType().Name}");
        }
        finally
        {
            request.Dispose();
        }

        return null;
    }

    /// <summary>A read of the test's own, tried again while PostgreSQL restarts.</summary>
    private static async Task<T> RetryAsync<T>(Func<Task<T>> read)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                return await read();
            }
            catch (Exception ex) when ((ex is NpgsqlException or System.Net.Sockets.SocketException or IOException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }
}
