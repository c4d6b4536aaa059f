using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>Faults the engine raises, as the instance page shows them: zh-TW, with the activity and the path, never a value that may be a minor's data.</summary>
public sealed class FaultMessageTests : IAsyncLifetime
{
    private const string MinorsName = "王小明";
    private EngineHarness _engine = null!;

    public async Task InitializeAsync() => _engine = await EngineHarness.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    public static TheoryData<string, string, string> Faults() => new()
    {
        {
            "not-a-boolean",
            new Flow("not-a-boolean").Variable("student", "String", MinorsName).Activity("decide", "Elsa.FlowDecision", ("condition", Js("getStudent()"))).Json(),
            "活動「decide」在 $.root.activities[0].condition 出錯：應為 true 或 false，但運算結果是字串"
        },
        {
            "not-a-duration",
            new Flow("not-a-duration").Variable("student", "String", MinorsName).Activity("wait", "Elsa.Delay", ("timeSpan", Js("getStudent()", "String"))).Json(),
            "活動「wait」在 $.root.activities[0].timeSpan 出錯：運算結果（字串）不是時間長度；請用例如「1.00:00:00」、「02:00:00」或「PT2H」"
        },
        {
            "recursion",
            new Flow("recursion").Activity("deep", "Elsa.WriteLine", ("text", Js("function down(n) { return down(n + 1); } down(0)"))).Json(),
            "活動「deep」在 $.root.activities[0].text.expression 出錯：JavaScript 函式呼叫超過 64 層的上限，已中止（可能是無窮遞迴）"
        },
        {
            "value-required",
            new Flow("value-required").Activity("ask", "Elsa.RunTask", ("taskName", Literal(""))).Json(),
            "活動「ask」在 $.root.activities[0].taskName 出錯：這個輸入必須有值，但運算結果是空的"
        },
        {
            "no-recipient",
            new Flow("no-recipient").Activity("mail", "Elsa.SendEmail", ("to", Literal(" ; "))).Json(),
            "活動「mail」在 $.root.activities[0].to 出錯：沒有收件人：to 的運算結果是空的"
        },
        {
            "bad-url",
            new Flow("bad-url").Variable("student", "String", MinorsName).Activity("call", "Elsa.SendHttpRequest", ("url", Js("'ftp://x/' + getStudent()", "String"))).Json(),
            "活動「call」在 $.root.activities[0].url 出錯：運算結果不是完整的 http 或 https 網址"
        },
        {
            "unknown-agency",
            new Flow("unknown-agency").Activity("up", "AntiDrugFlow.Escalate", ("agency", Literal("no-such-agency"))).Json(),
            "活動「up」在 $.root.activities[0].agency 出錯：機構代碼「no-such-agency」不在機構名錄中"
        },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_fault_is_described_in_zh_TW_with_the_activity_and_the_path(string definitionId, string json, string fault)
    {
        await _engine.PublishAsync(json);

        var instance = await _engine.ReloadAsync((await _engine.StartAsync(definitionId)).Id);

        Assert.Equal(WorkflowStatus.Faulted, instance.Status);
        Assert.Equal(fault, instance.Fault);
        Assert.DoesNotContain(MinorsName, instance.Fault, StringComparison.Ordinal);
        var journal = await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None);
        var faulted = Assert.Single(journal, j => j.Event == "Faulted");
        var description = fault[(fault.IndexOf("出錯：", StringComparison.Ordinal) + "出錯：".Length)..];
        Assert.EndsWith("：" + description, faulted.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(MinorsName, faulted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_notice_whose_text_looks_like_personal_data_faults_and_sends_nothing()
    {
        // The notice refuses its own text: the step faults as a whole, so no email is queued and no journal line names the student.
        await _engine.PublishAsync(new Flow("leaky-notice")
            .Variable("student", "String", MinorsName)
            .Activity("notify", "AntiDrugFlow.NotifyAgency", ("agency", Literal("kee-liaison")), ("message", Js("'姓名：' + getStudent() + ' 需追蹤'", "String")), ("caseNumber", Literal("TIP-115-000001")))
            .Json());

        var instance = await _engine.ReloadAsync((await _engine.StartAsync("leaky-notice")).Id);

        Assert.Equal(WorkflowStatus.Faulted, instance.Status);
        Assert.StartsWith("活動「notify」在 $.root.activities[0].", instance.Fault, StringComparison.Ordinal);
        Assert.Contains("訊息內容不符規定：", instance.Fault, StringComparison.Ordinal);
        Assert.DoesNotContain(MinorsName, instance.Fault, StringComparison.Ordinal);
        Assert.Empty(await _engine.OutboxAsync(new OutboxFilter(InstanceId: instance.Id)));
        Assert.DoesNotContain(await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None), j => j.Message?.Contains(MinorsName, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_script_that_runs_past_the_time_limit_faults_with_the_limit_named()
    {
        await using var engine = await EngineHarness.CreateAsync(configure: o => o.JavaScript = new JavaScriptLimits(MaxStatements: int.MaxValue, TimeoutMilliseconds: 50));
        await engine.PublishAsync(new Flow("timeout").Activity("spin", "Elsa.WriteLine", ("text", Js("while (true) { }"))).Json());

        var instance = await engine.ReloadAsync((await engine.StartAsync("timeout")).Id);

        Assert.Equal("活動「spin」在 $.root.activities[0].text.expression 出錯：JavaScript 執行超過 50 毫秒的時間上限，已中止", instance.Fault);
    }
}
