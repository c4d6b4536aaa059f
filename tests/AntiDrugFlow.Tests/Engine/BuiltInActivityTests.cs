using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>Each built-in activity, run durably on a real PostgreSQL database.</summary>
public sealed class BuiltInActivityTests : IAsyncLifetime
{
    private EngineHarness _engine = null!;

    public async Task InitializeAsync() => _engine = await EngineHarness.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task WriteLine_and_SetVariable_run_in_order_and_the_variables_are_saved()
    {
        var id = await _engine.PublishAsync(new Flow("set-variable")
            .Variable("count", "Int32", 0)
            .Activity("start", "Elsa.Start")
            .Activity("set", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "count", ["name"] = "count" }), ("value", Literal("41", "Int32")))
            .Activity("increment", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "count" }), ("value", Js("getCount() + 1")))
            .Activity("print", "Elsa.WriteLine", ("text", Js("'n=' + getCount()")))
            .Activity("end", "Elsa.End")
            .Chain("start", "set", "increment", "print", "end").Json());

        var instance = await _engine.StartAsync(id);

        var saved = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, saved.Status);
        Assert.Equal(42, saved.State.Variables["count"]!.GetValue<long>());
        Assert.Equal(["n=42"], await _engine.LinesAsync(instance.Id));
    }

    [Theory]
    [InlineData(1, "severe")]
    [InlineData(3, "mild")]
    public async Task Decision_takes_the_True_or_the_False_port(int level, string expected)
    {
        var id = await _engine.PublishAsync(new Flow("decision")
            .Activity("decide", "Elsa.FlowDecision", ("condition", Js("getLevel() <= 2", "Boolean")))
            .WriteLine("severe", "severe").WriteLine("mild", "mild")
            .Connect("decide", "severe", "True").Connect("decide", "mild", "False").Json());

        var instance = await _engine.StartAsync(id, new { level });

        Assert.Equal([expected], await _engine.LinesAsync(instance.Id));
    }

    [Theory]
    [InlineData("drug-source", "MatchFirst", new[] { "source" })]
    [InlineData("screening", "MatchFirst", new[] { "screening" })]
    [InlineData("screening", "MatchAny", new[] { "screening", "any-case" })]
    [InlineData("other", "MatchFirst", new[] { "default" })]
    public async Task Switch_follows_the_matching_cases_or_Default(string kind, string mode, string[] expected)
    {
        var cases = new JsonArray(
            new JsonObject { ["label"] = "Source", ["condition"] = new JsonObject { ["type"] = "JavaScript", ["value"] = "getKind() === 'drug-source'" } },
            new JsonObject { ["label"] = "Screening", ["condition"] = new JsonObject { ["type"] = "JavaScript", ["value"] = "getKind() === 'screening'" } },
            new JsonObject { ["label"] = "Any", ["condition"] = new JsonObject { ["type"] = "JavaScript", ["value"] = "getKind() !== 'other'" } });
        var id = await _engine.PublishAsync(new Flow("switch")
            .Activity("switch", "Elsa.FlowSwitch", ("cases", cases), ("mode", Literal(mode)))
            .WriteLine("source", "source").WriteLine("screening", "screening").WriteLine("any-case", "any-case").WriteLine("default", "default")
            .Connect("switch", "source", "Source").Connect("switch", "screening", "Screening").Connect("switch", "any-case", "Any").Connect("switch", "default", "Default").Json());

        var instance = await _engine.StartAsync(id, new { kind });

        Assert.Equal(expected, await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task Delay_waits_on_a_durable_timer_and_goes_on_when_it_comes_due()
    {
        var id = await _engine.PublishAsync(new Flow("delay")
            .Activity("wait", "Elsa.Delay", ("timeSpan", Literal("02:00:00", "TimeSpan")))
            .WriteLine("after", "after the delay")
            .Chain("wait", "after").Json());

        var instance = await _engine.StartAsync(id);
        var waiting = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Suspended, waiting.Status);
        var timer = Assert.Single(waiting.Bookmarks);
        Assert.Equal(BookmarkKind.Timer, timer.Kind);
        Assert.Equal(_engine.Clock.GetUtcNow().AddHours(2), timer.DueAt);

        _engine.Clock.Advance(TimeSpan.FromMinutes(119));
        Assert.Equal(0, await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None));
        _engine.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None));

        Assert.Equal(WorkflowStatus.Finished, (await _engine.ReloadAsync(instance.Id)).Status);
        Assert.Equal(["after the delay"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task Timer_waits_one_interval_and_StartAt_waits_for_its_moment()
    {
        var at = _engine.Clock.GetUtcNow().AddDays(3).ToOffset(TimeSpan.FromHours(8));
        var id = await _engine.PublishAsync(new Flow("timers")
            .Activity("timer", "Elsa.Timer", ("interval", Literal("1.00:00:00", "TimeSpan")))
            .Activity("at", "Elsa.StartAt", ("dateTime", Literal(at.ToString("O"), "DateTimeOffset")))
            .WriteLine("done", "done")
            .Chain("timer", "at", "done").Json());

        var instance = await _engine.StartAsync(id);
        Assert.Equal(_engine.Clock.GetUtcNow().AddDays(1), Assert.Single((await _engine.ReloadAsync(instance.Id)).Bookmarks).DueAt);
        _engine.Clock.Advance(TimeSpan.FromDays(1));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);
        Assert.Equal(at, Assert.Single((await _engine.ReloadAsync(instance.Id)).Bookmarks).DueAt);
        _engine.Clock.Advance(TimeSpan.FromDays(2));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);

        Assert.Equal(["done"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task Fork_runs_every_branch_and_WaitAll_join_goes_on_once_all_have_arrived()
    {
        var id = await _engine.PublishAsync(new Flow("fork-join")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Police\",\"Liaison\"]")))
            .Activity("police-wait", "Elsa.Delay", ("timeSpan", Literal("01:00:00")))
            .WriteLine("liaison", "liaison notified")
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitAll")))
            .WriteLine("joined", "both done")
            .Connect("fork", "police-wait", "Police").Connect("fork", "liaison", "Liaison")
            .Connect("police-wait", "join").Connect("liaison", "join").Connect("join", "joined").Json());

        var instance = await _engine.StartAsync(id);
        Assert.Equal(["liaison notified"], await _engine.LinesAsync(instance.Id));
        Assert.Equal(WorkflowStatus.Suspended, (await _engine.ReloadAsync(instance.Id)).Status);

        _engine.Clock.Advance(TimeSpan.FromHours(1));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);

        Assert.Equal(["liaison notified", "both done"], await _engine.LinesAsync(instance.Id));
        Assert.Equal(WorkflowStatus.Finished, (await _engine.ReloadAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task WaitAll_join_counts_two_ports_of_one_activity_as_one_branch()
    {
        var id = await _engine.PublishAsync(new Flow("join-ports")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"A\",\"B\"]")))
            .Activity("a", "Elsa.FlowDecision", ("condition", Literal(true, "Boolean")))
            .Activity("b", "Elsa.Delay", ("timeSpan", Literal("00:10:00")))
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitAll")))
            .WriteLine("joined", "joined")
            .Connect("fork", "a", "A").Connect("fork", "b", "B")
            .Connect("a", "join", "True").Connect("a", "join", "False").Connect("b", "join").Connect("join", "joined").Json());

        var instance = await _engine.StartAsync(id);
        Assert.Empty(await _engine.LinesAsync(instance.Id));
        _engine.Clock.Advance(TimeSpan.FromMinutes(10));
        await _engine.Runtime.FireDueTimersAsync(10, CancellationToken.None);

        Assert.Equal(["joined"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task WaitAny_join_goes_on_with_the_first_branch_and_cancels_the_others()
    {
        var id = await _engine.PublishAsync(new Flow("race")
            .Variable("answer", "Object")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Task\",\"Deadline\"]")))
            .Activity("ack", "Elsa.RunTask", ("taskName", Literal("Acknowledge")), ("result", new JsonObject { ["typeName"] = "Object", ["memoryReference"] = new JsonObject { ["id"] = "answer" } }))
            .Activity("deadline", "Elsa.Delay", ("timeSpan", Literal("02:00:00")))
            .WriteLine("late", "escalated")
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitAny")))
            .Activity("report", "Elsa.WriteLine", ("text", Js("'answer: ' + (getAnswer() ? getAnswer().outcome : 'none')")))
            .Connect("fork", "ack", "Task").Connect("fork", "deadline", "Deadline")
            .Connect("ack", "join").Connect("deadline", "late").Connect("late", "join").Connect("join", "report").Json());

        var instance = await _engine.StartAsync(id);
        var task = Assert.Single(await _engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, instance.Id, CancellationToken.None));
        var completion = await _engine.Runtime.CompleteTaskAsync(task.Id, new JsonObject { ["outcome"] = "受理" }, CancellationToken.None);

        Assert.Equal(ResumeResult.Resumed, completion.Result);
        var done = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, done.Status);
        Assert.Empty(done.Bookmarks);
        _engine.Clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None));
        Assert.Equal(["answer: 受理"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task Several_connections_from_one_port_run_in_parallel()
    {
        var id = await _engine.PublishAsync(new Flow("fan-out")
            .Activity("start", "Elsa.Start").WriteLine("a", "to police").WriteLine("b", "to liaison")
            .Connect("start", "a").Connect("start", "b").Json());

        var instance = await _engine.StartAsync(id);

        Assert.Equal(["to police", "to liaison"], await _engine.LinesAsync(instance.Id));
        Assert.Equal(WorkflowStatus.Finished, (await _engine.ReloadAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task Event_resumes_only_the_instance_with_the_given_correlation_id()
    {
        var id = await _engine.PublishAsync(new Flow("event")
            .Variable("reply", "Object")
            .Activity("wait", "Elsa.Event", ("eventName", Literal("acknowledged")), ("result", new JsonObject { ["memoryReference"] = new JsonObject { ["id"] = "reply" } }))
            .Activity("print", "Elsa.WriteLine", ("text", Js("'by ' + getReply().by")))
            .Chain("wait", "print").Json());
        var first = await _engine.StartAsync(id, correlationId: "case-1");
        var second = await _engine.StartAsync(id, correlationId: "case-2");

        var resumed = await _engine.Runtime.TriggerEventAsync("acknowledged", "case-2", new JsonObject { ["by"] = "派出所" }, CancellationToken.None);

        Assert.Equal([second.Id], resumed);
        Assert.Equal(WorkflowStatus.Suspended, (await _engine.ReloadAsync(first.Id)).Status);
        Assert.Equal(["by 派出所"], await _engine.LinesAsync(second.Id));
        Assert.Empty(await _engine.Runtime.TriggerEventAsync("acknowledged", "case-2", null, CancellationToken.None));
        Assert.Equal([first.Id], await _engine.Runtime.TriggerEventAsync("acknowledged", null, new JsonObject { ["by"] = "分局" }, CancellationToken.None));
    }

    [Fact]
    public async Task PublishEvent_goes_through_the_outbox_of_its_step()
    {
        var id = await _engine.PublishAsync(new Flow("publish")
            .Activity("publish", "Elsa.PublishEvent", ("eventName", Literal("case-opened")), ("correlationId", Literal("case-9")), ("payload", ObjectExpr("{\"level\":2}")))
            .Json());

        var instance = await _engine.StartAsync(id);

        var published = Assert.Single(await _engine.OutboxAsync(new OutboxFilter(InstanceId: instance.Id, Kind: OutboxKinds.Event)));
        Assert.Equal("case-opened", published.Payload["eventName"]!.GetValue<string>());
        Assert.Equal("case-9", published.Payload["correlationId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Completing_a_task_resumes_its_instance_with_the_result_and_a_second_completion_is_refused()
    {
        var id = await _engine.PublishAsync(new Flow("task")
            .Variable("outcome", "Object")
            .Activity("task", "Elsa.RunTask", ("taskName", Literal("受理通報")), ("payload", ObjectExpr("{\"caseNumber\":\"T-001\"}")), ("result", new JsonObject { ["memoryReference"] = new JsonObject { ["id"] = "outcome" } }))
            .Activity("print", "Elsa.WriteLine", ("text", Js("getOutcome().status")))
            .Chain("task", "print").Json());
        var instance = await _engine.StartAsync(id);
        var task = Assert.Single(await _engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, instance.Id, CancellationToken.None));
        Assert.Equal("受理通報", task.TaskName);
        Assert.Equal("T-001", task.Payload!["caseNumber"]!.GetValue<string>());

        var first = await _engine.Runtime.CompleteTaskAsync(task.Id, new JsonObject { ["status"] = "偵辦中" }, CancellationToken.None);
        var second = await _engine.Runtime.CompleteTaskAsync(task.Id, new JsonObject { ["status"] = "查無不法" }, CancellationToken.None);

        Assert.Equal(ResumeResult.Resumed, first.Result);
        Assert.Equal(ResumeResult.AlreadyResumed, second.Result);
        Assert.Equal(HumanTaskStatus.Completed, first.Task!.Status);
        Assert.Equal(["偵辦中"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task SendEmail_and_SendHttpRequest_write_outbox_rows_with_stable_keys_in_the_same_step()
    {
        var id = await _engine.PublishAsync(new Flow("side-effects")
            .Activity("mail", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal("新通報")), ("body", Literal("案件編號 T-1")))
            .Activity("call", "Elsa.SendHttpRequest", ("url", Literal("http://127.0.0.1:9/hook")), ("method", Literal("POST")), ("content", ObjectExpr("{\"case\":\"T-1\"}")))
            .Activity("wait", "Elsa.Event", ("eventName", Literal("never")))
            .Chain("mail", "call", "wait").Json());

        var instance = await _engine.StartAsync(id);

        Assert.Equal(2, (await _engine.OutboxAsync(new OutboxFilter(Status: OutboxStatuses.Pending, InstanceId: instance.Id))).Count);
        Assert.Equal($"{instance.Id}:mail:1", Assert.Single(await _engine.OutboxAsync(new OutboxFilter(InstanceId: instance.Id, Kind: OutboxKinds.Email))).IdempotencyKey);
        Assert.Equal("POST", Assert.Single(await _engine.OutboxAsync(new OutboxFilter(InstanceId: instance.Id, Kind: OutboxKinds.Http))).Payload["method"]!.GetValue<string>());
        Assert.Equal(WorkflowStatus.Suspended, (await _engine.ReloadAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task Finish_ends_the_workflow_and_cancels_what_still_waits()
    {
        var id = await _engine.PublishAsync(new Flow("finish")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"A\",\"B\"]")))
            .Activity("task", "Elsa.RunTask", ("taskName", Literal("Never done")))
            .Activity("finish", "Elsa.Finish")
            .WriteLine("after", "never printed")
            .Connect("fork", "task", "A").Connect("fork", "finish", "B").Connect("task", "after").Json());

        var instance = await _engine.StartAsync(id);

        var done = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, done.Status);
        Assert.Empty(done.Bookmarks);
        Assert.Equal(HumanTaskStatus.Cancelled, Assert.Single(await _engine.Instances.ListTasksAsync(null, instance.Id, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_failing_expression_faults_the_instance_with_the_place_and_the_reason()
    {
        var id = await _engine.PublishAsync(new Flow("fault")
            .Activity("print", "Elsa.WriteLine", ("text", Js("getMissing().name"))).Json());

        var instance = await _engine.StartAsync(id);

        var faulted = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Faulted, faulted.Status);
        Assert.Equal("活動「print」在 $.root.activities[0].text.expression 出錯：JavaScript 執行失敗：getMissing is not defined", faulted.Fault);
        var journal = await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None);
        Assert.Contains(journal, j => j.Event == "Faulted" && j.ActivityId == "print" && j.Message == "$.root.activities[0].text.expression：JavaScript 執行失敗：getMissing is not defined");
    }

    [Fact]
    public async Task JavaScript_has_no_access_to_the_CLR_and_runaway_scripts_are_stopped()
    {
        var id = await _engine.PublishAsync(new Flow("sandbox")
            .Activity("clr", "Elsa.WriteLine", ("text", Js("typeof System === 'undefined' && typeof importNamespace === 'undefined' ? 'sandboxed' : 'open'")))
            .Activity("spin", "Elsa.WriteLine", ("text", Js("while (true) { }")))
            .Chain("clr", "spin").Json());

        var instance = await _engine.StartAsync(id);

        Assert.Equal(["sandboxed"], await _engine.LinesAsync(instance.Id));
        var faulted = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Faulted, faulted.Status);
        Assert.Equal("活動「spin」在 $.root.activities[1].text.expression 出錯：JavaScript 執行超過 10000 個陳述式的上限，已中止（可能是無窮迴圈）", faulted.Fault);
    }

    [Fact]
    public async Task Cancelling_an_instance_removes_its_bookmarks_and_cancels_its_tasks()
    {
        var id = await _engine.PublishAsync(new Flow("cancel").Activity("task", "Elsa.RunTask", ("taskName", Literal("t"))).Json());
        var instance = await _engine.StartAsync(id);

        Assert.True(await _engine.Runtime.CancelAsync(instance.Id, "test", CancellationToken.None));
        Assert.False(await _engine.Runtime.CancelAsync(instance.Id, "again", CancellationToken.None));

        var cancelled = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Cancelled, cancelled.Status);
        Assert.Empty(cancelled.Bookmarks);
        Assert.Equal(HumanTaskStatus.Cancelled, Assert.Single(await _engine.Instances.ListTasksAsync(null, instance.Id, CancellationToken.None)).Status);
    }
}
