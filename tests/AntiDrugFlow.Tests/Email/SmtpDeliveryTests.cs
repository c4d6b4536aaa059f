using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Email;

/// <summary>Email through the outbox to a real SMTP server that the test starts.</summary>
public sealed class SmtpDeliveryTests
{
    private const string MinorsName = "王小明";

    private static Dictionary<string, string?> Smtp(SmtpTestServer server, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:From"] = "antidrugflow@agencies.invalid",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task A_routed_task_arrives_in_UTF8_with_the_zh_TW_subject_the_ROC_deadline_and_no_personal_data()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp));
        // The instance knows the minor's name; the notice must not.
        var id = await host.PublishAsync(new Flow("routed-notice")
            .Variable("student", "String", MinorsName)
            .Activity("notify", "AntiDrugFlow.SendNotice",
                ("agencyId", Literal(TestAgencies.Police)), ("notice", Literal(MessageKinds.TaskRouted)), ("caseNumber", Literal("T-1150001")),
                ("task", Literal("trace-supplier")), ("deadline", Literal("2026-11-22T01:00:00Z")), ("link", Literal("https://antidrugflow.invalid/cases/T-1150001"))));

        var instance = await host.StartAsync(id);
        await host.DeliverAllDueAsync();

        var mail = Assert.Single(smtp.Messages());
        Assert.Equal("【反毒通報】新交辦事項：溯源查察藥頭（案號 T-1150001）", mail.Subject);
        Assert.Contains("charset=utf-8", mail.Header("content-type"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("npa@agencies.invalid", mail.Header("to"), StringComparison.Ordinal);
        Assert.Contains("案號：T-1150001", mail.Body, StringComparison.Ordinal);
        Assert.Contains("交辦事項：溯源查察藥頭", mail.Body, StringComparison.Ordinal);
        Assert.Contains("期限：民國115年11月22日 09:00", mail.Body, StringComparison.Ordinal);
        Assert.Contains("https://antidrugflow.invalid/cases/T-1150001", mail.Body, StringComparison.Ordinal);
        Assert.Equal($"<{SmtpEmailSender.MessageIdLocalPart($"{instance.Id}:notify:1")}@antidrugflow>", mail.Header("message-id"));
        Assert.DoesNotContain(MinorsName, mail.Subject + mail.Body + mail.Raw, StringComparison.Ordinal);
        Assert.Equal(OutboxStatuses.Sent, Assert.Single(await host.MessagesAsync()).Status);
    }

    [Fact]
    public async Task A_notice_whose_case_number_would_carry_a_name_faults_the_step_and_queues_nothing()
    {
        await using var host = await DeliveryHarness.CreateAsync();
        var id = await host.PublishAsync(new Flow("leaky-notice")
            .Variable("student", "String", MinorsName)
            .Activity("notify", "AntiDrugFlow.SendNotice",
                ("agencyId", Literal(TestAgencies.Police)), ("notice", Literal(MessageKinds.Reminder)), ("caseNumber", Js("'T-1-' + getVariable('student')", "String")),
                ("task", Literal("acknowledge")), ("deadline", Literal("2026-11-22T01:00:00Z")), ("link", Literal("https://antidrugflow.invalid/cases/T-1"))));

        var instance = await host.StartAsync(id);

        Assert.Equal(WorkflowStatus.Faulted, instance.Status);
        Assert.DoesNotContain(MinorsName, instance.Fault ?? string.Empty, StringComparison.Ordinal);
        Assert.Empty(await host.MessagesAsync());
    }

    [Fact]
    public async Task Mail_queued_while_the_SMTP_server_is_down_all_arrives_exactly_once_after_it_comes_back()
    {
        await using var smtp = await SmtpTestServer.StartAsync(running: false);
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp,
            ("Outbox:PollInterval", "00:00:00.100"), ("Outbox:FirstRetryDelay", "00:00:00.200"), ("Outbox:MaxRetryDelay", "00:00:00.500"), ("Outbox:MaxAttempts", "1000")));
        var flow = new Flow("five-mails");
        for (var i = 1; i <= 5; i++)
        {
            flow.Activity($"mail{i}", "Elsa.SendEmail", ("to", Literal($"station{i}@agencies.invalid")), ("subject", Literal($"反毒通報第{i}件")), ("body", Literal($"案號 T-{i}，請登入系統查閱。")));
        }

        var instance = await host.StartAsync(await host.PublishAsync(flow.Chain("mail1", "mail2", "mail3", "mail4", "mail5")));
        await host.StartDispatcherAsync();

        await Eventually.TrueAsync(async () => (await host.MessagesAsync()).All(m => m.Attempts >= 2 && m.LastError is not null), "every message to fail at least twice while the server is down");
        Assert.Empty(smtp.Messages());
        await smtp.UpAsync();
        await Eventually.TrueAsync(async () => (await host.MessagesAsync()).All(m => m.Status == OutboxStatuses.Sent), "every message to be sent");

        var mails = smtp.Messages();
        Assert.Equal(5, mails.Count);
        Assert.Equal(
            Enumerable.Range(1, 5).Select(i => $"<{SmtpEmailSender.MessageIdLocalPart($"{instance.Id}:mail{i}:{i}")}@antidrugflow>").Order(StringComparer.Ordinal),
            mails.Select(m => m.Header("message-id")).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"反毒通報第{i}件"), mails.Select(m => m.Subject).Order(StringComparer.Ordinal));
    }
}
