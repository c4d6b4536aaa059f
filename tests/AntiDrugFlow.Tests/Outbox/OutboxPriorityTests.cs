using System.Collections.Concurrent;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Outbox;

/// <summary>
/// The outbox's work yields the cores to the requests: its loop and deliveries run on threads the kernel schedules only
/// when a core is otherwise idle, read back from the kernel (/proc/thread-self/stat), not from the scheduler's own word.
/// </summary>
public sealed class OutboxPriorityTests
{
    [Fact]
    public async Task Work_and_every_continuation_after_its_awaits_run_on_idle_priority_threads_and_work_queued_after_disposal_still_runs()
    {
        var scheduler = new IdlePriorityTaskScheduler("test", 2);
        var policies = await Task.Factory.StartNew(
            async () =>
            {
                var seen = new List<string> { ThreadPolicy.Current() };
                await Task.Yield();
                seen.Add(ThreadPolicy.Current());
                await Task.Delay(20);
                seen.Add(ThreadPolicy.Current());
                await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Thread.Sleep(5))));
                seen.Add(ThreadPolicy.Current());
                return seen;
            },
            CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap();

        Assert.Equal(["idle", "idle", "idle", "idle"], policies);
        Assert.Equal(2, scheduler.IdleThreads);
        Assert.Equal("normal", ThreadPolicy.Current());

        scheduler.Dispose();
        var after = await Task.Factory.StartNew(ThreadPolicy.Current, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("normal", after);
    }

    [Theory]
    [InlineData(null, "idle")]
    [InlineData("Normal", "normal")]
    public async Task The_dispatcher_delivers_on_idle_priority_threads_unless_configured_to_run_beside_the_requests(string? priority, string expected)
    {
        var sender = new PolicyRecordingSender();
        var settings = new Dictionary<string, string?> { ["Outbox:PollInterval"] = "00:00:00.050" };
        if (priority is not null)
        {
            settings["Outbox:Priority"] = priority;
        }

        await using var host = await DeliveryHarness.CreateAsync(settings: settings, services: s => s.AddSingleton<IEmailSender>(sender));
        var flow = new Flow("three-mails");
        foreach (var i in new[] { 1, 2, 3 })
        {
            flow.Activity($"mail{i}", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal($"新交辦事項 {i}")), ("body", Literal("請登入系統查閱。")));
        }

        await host.StartAsync(await host.PublishAsync(flow.Chain("mail1", "mail2", "mail3")));
        await host.StartDispatcherAsync();
        await Eventually.TrueAsync(async () => (await host.MessagesAsync()).All(m => m.Status == OutboxStatuses.Sent), "the three mails to be sent");

        Assert.Equal(3, sender.Policies.Count);
        Assert.All(sender.Policies, p => Assert.Equal(expected, p));
        Assert.Equal(expected == "idle" ? Math.Clamp(Environment.ProcessorCount, 1, 4) : 0, host.Dispatcher.IdleThreads);
    }

    private sealed class PolicyRecordingSender : IEmailSender
    {
        public ConcurrentQueue<string> Policies { get; } = new();

        public Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
        {
            Policies.Enqueue(ThreadPolicy.Current());
            return Task.CompletedTask;
        }
    }

    /// <summary>The calling thread's scheduling policy as the kernel reports it (field 41 of /proc/thread-self/stat).</summary>
    private static class ThreadPolicy
    {
        public static string Current()
        {
            var stat = File.ReadAllText("/proc/thread-self/stat");
            // The command name (field 2) is in parentheses and may hold spaces; fields after it start with the state (field 3).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[41 - 3] switch
            {
                "0" => "normal",
                "5" => "idle",
                var other => $"policy {other}",
            };
        }
    }
}
