using AntiDrugFlow.Tests.Email;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Outbox;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Service;

/// <summary>A host process asked to stop (SIGTERM) in the middle of a delivery, as an orchestrator or systemd does.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task On_SIGTERM_a_host_hands_back_the_delivery_it_could_not_finish_so_the_next_host_sends_it_without_waiting_out_a_lease()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var mute = new SilentListener();
        await using var database = await DeliveryHarness.CreateAsync();
        await database.PublishAsync(new Flow("shutdown-mail")
            .Activity("mail", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal("新交辦事項（案號 T-1150002）")), ("body", Literal("請登入系統查閱。"))));
        // A lease far longer than the test may wait: only a hand-back lets the second host deliver in time.
        var settings = new Dictionary<string, string>
        {
            ["Outbox__PollInterval"] = "00:00:00.100",
            ["Outbox__Lease"] = "00:10:00",
            ["Outbox__MessageTimeout"] = "00:05:00",
            ["Outbox__ShutdownGrace"] = "00:00:01",
            ["Shutdown__Timeout"] = "00:00:20",
        };

        var first = await HostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>(settings) { ["Smtp__Host"] = "127.0.0.1", ["Smtp__Port"] = $"{mute.Port}" });
        await using (first)
        {
            using var executed = await first.Http.PostAsync("/api/workflow-definitions/shutdown-mail/execute", null);
            Assert.True(executed.IsSuccessStatusCode);
            await Eventually.TrueAsync(() => Task.FromResult(mute.Accepted >= 1), "the first host to start delivering");
            var claimed = Assert.Single(await database.MessagesAsync());
            Assert.NotNull(claimed.ClaimToken);

            await first.StopGracefullyAsync();
            Assert.Equal(0, first.ExitCode);
        }

        // Handed back: unclaimed, due now, and the interrupted attempt not counted.
        var handedBack = Assert.Single(await database.MessagesAsync());
        Assert.Equal((OutboxStatuses.Pending, 0, (Guid?)null), (handedBack.Status, handedBack.Attempts, handedBack.ClaimToken));
        Assert.True(handedBack.NextAttemptAt <= DateTimeOffset.UtcNow, $"the message waits until {handedBack.NextAttemptAt:O}");
        Assert.Empty(smtp.Messages());

        await using var second = await HostProcess.StartAsync(database.ConnectionString, new Dictionary<string, string>(settings) { ["Smtp__Host"] = "127.0.0.1", ["Smtp__Port"] = $"{smtp.Port}" });
        await Eventually.TrueAsync(async () => (await database.MessagesAsync()).Single().Status == OutboxStatuses.Sent, "the second host to send the handed-back message");
        Assert.Equal("新交辦事項（案號 T-1150002）", Assert.Single(smtp.Messages()).Subject);
    }
}
