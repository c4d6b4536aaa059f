using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Sub-workflows as Elsa 3's composition scenarios describe them (the definitions written here from the scenarios'
/// descriptions): Elsa.ExecuteWorkflow with inputs and outputs, Elsa.DispatchWorkflow waiting or not, a faulting child,
/// a definition used as an activity. Each child is an instance of its own, linked to its parent in the engine's tables.
/// </summary>
public sealed class SubWorkflowTests
{
    private static readonly JsonObject ResultBinding = new() { ["memoryReference"] = new JsonObject { ["id"] = "result" } };

    [Fact]
    public async Task ExecuteWorkflow_runs_the_subroutine_with_its_input_and_gives_its_output()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(Subroutine("subroutine"));
        await engine.PublishAsync(new Flow("main")
            .Variable("result", "Object")
            .Activity("execute", "Elsa.ExecuteWorkflow", ("workflowDefinitionId", Literal("subroutine")), ("input", ObjectExpr("{\"Value\":21}")), ("result", ResultBinding.DeepClone()))
            .Activity("say", "Elsa.WriteLine", ("text", Js("`Subroutine output: ${JSON.stringify(getResult().output)} (${getResult().subStatus})`")))
            .Chain("execute", "say").Json());

        var parent = await engine.StartAsync("main");
        Assert.Equal(WorkflowStatus.Suspended, parent.Status);
        await engine.DeliverOutboxAsync();

        parent = await engine.ReloadAsync(parent.Id);
        var child = Assert.Single(await engine.Instances.ListChildrenAsync(parent.Id, CancellationToken.None));
        Assert.Equal(["Running subroutine on value 21..."], await engine.LinesAsync(child.Id));
        Assert.Equal(["Subroutine output: {\"Output\":42} (Finished)"], await engine.LinesAsync(parent.Id));
        Assert.Equal(WorkflowStatus.Finished, parent.Status);
        Assert.Equal(new ParentLink(parent.Id, "execute", ParentWaits.None), (await engine.ReloadAsync(child.Id)).Parent);
        Assert.Null(parent.Parent);
    }

    [Fact]
    public async Task DispatchWorkflow_sends_its_input_and_waits_for_the_child_across_a_host_restart_resuming_the_parent_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new TestClock();
        string parentId;
        await using (var first = await EngineHarness.CreateAsync(connectionString, clock))
        {
            await first.PublishAsync(new Flow("child-with-input")
                .Activity("say", "Elsa.WriteLine", ("text", Js("`Received: ${getInput('Message')}`")))
                .Activity("wait", "Elsa.Event", ("eventName", Literal("go-on")))
                .Activity("output", "Elsa.SetOutput", ("outputName", Literal("Answer")), ("outputValue", Literal("yes")))
                .Chain("say", "wait", "output").Json());
            await first.PublishAsync(new Flow("dispatch-and-wait")
                .Variable("result", "Object")
                .Activity("dispatch", "Elsa.DispatchWorkflow", ("workflowDefinitionId", Literal("child-with-input")), ("input", ObjectExpr("{\"Message\":\"Hello from parent!\"}")),
                    ("waitForCompletion", Literal(true, "Boolean")), ("result", ResultBinding.DeepClone()))
                .Activity("done", "Elsa.WriteLine", ("text", Js("`Parent completed: ${getResult().Answer}`")))
                .Chain("dispatch", "done").Json());
            parentId = (await first.StartAsync("dispatch-and-wait")).Id;
            await first.DeliverOutboxAsync();
            Assert.Equal(WorkflowStatus.Suspended, (await first.ReloadAsync(parentId)).Status);
        }

        // Another host: the child is resumed there, and its word reaches the parent through the outbox.
        await using var second = await EngineHarness.CreateAsync(connectionString, clock);
        var child = Assert.Single(await second.Instances.ListChildrenAsync(parentId, CancellationToken.None));
        Assert.Equal(WorkflowStatus.Suspended, child.Status);
        Assert.Single(await second.Runtime.TriggerEventAsync("go-on", null, null, CancellationToken.None));
        Assert.True(await second.DeliverOutboxAsync() > 0);
        Assert.Equal(Workflows.Services.ResumeResult.AlreadyResumed,
            await second.Runtime.ResumeParentAsync(parentId, child.Id, new JsonObject(), CancellationToken.None));

        var parent = await second.ReloadAsync(parentId);
        Assert.Equal(WorkflowStatus.Finished, parent.Status);
        Assert.Equal(["Received: Hello from parent!"], await second.LinesAsync(child.Id));
        Assert.Equal(["Parent completed: yes"], await second.LinesAsync(parentId));
        Assert.Single(await second.Instances.JournalAsync(parentId, CancellationToken.None), j => j.Event == "Resumed");
        Assert.Equal("Hello from parent!", (await second.ReloadAsync(child.Id)).State.Input["Message"]!.GetValue<string>());
        Assert.Equal(parentId, (await second.ReloadAsync(child.Id)).State.Input["ParentInstanceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task DispatchWorkflow_without_waiting_finishes_the_parent_first_and_the_child_keeps_the_correlation_id()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("child").WriteLine("say", "child ran").Json());
        await engine.PublishAsync(new Flow("fire-and-forget")
            .Activity("dispatch", "Elsa.DispatchWorkflow", ("workflowDefinitionId", Literal("child")), ("correlationId", Literal("test-correlation-id-123")))
            .WriteLine("done", "Parent completed")
            .Chain("dispatch", "done").Json());

        var parent = await engine.StartAsync("fire-and-forget");
        Assert.Equal(WorkflowStatus.Finished, parent.Status);
        Assert.Empty(await engine.Instances.ListChildrenAsync(parent.Id, CancellationToken.None));

        await engine.DeliverOutboxAsync();
        var child = Assert.Single(await engine.Instances.ListChildrenAsync(parent.Id, CancellationToken.None));
        Assert.Equal("test-correlation-id-123", child.CorrelationId);
        Assert.Equal(WorkflowStatus.Finished, child.Status);
        Assert.Equal(["child ran"], await engine.LinesAsync(child.Id));
        Assert.Equal(["Parent completed"], await engine.LinesAsync(parent.Id));
        Assert.Empty(await engine.OutboxAsync(new Workflows.Outbox.OutboxFilter(Kind: OutboxKinds.ResumeParent)));
    }

    [Fact]
    public async Task A_dispatch_without_waiting_of_a_definition_never_published_faults_the_parent_instead_of_dead_lettering()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("dispatch-missing")
            .Activity("dispatch", "Elsa.DispatchWorkflow", ("workflowDefinitionId", Literal("never-published")))
            .Activity("wait", "Elsa.Event", ("eventName", Literal("later")))
            .Chain("dispatch", "wait").Json());
        var parent = await engine.StartAsync("dispatch-missing");
        Assert.Equal(WorkflowStatus.Suspended, parent.Status);

        await engine.DeliverOutboxAsync();

        parent = await engine.ReloadAsync(parent.Id);
        Assert.Equal(WorkflowStatus.Faulted, parent.Status);
        Assert.Contains("dispatch", parent.Fault, StringComparison.Ordinal);
        Assert.EndsWith(FaultKinds.ChildDefinitionNotPublished.Format("never-published"), parent.Fault, StringComparison.Ordinal);
        Assert.Empty(parent.Bookmarks);
        Assert.Empty(await engine.OutboxAsync(new Workflows.Outbox.OutboxFilter(Status: Workflows.Outbox.OutboxStatuses.DeadLettered)));
        Assert.Single(await engine.OutboxAsync(new Workflows.Outbox.OutboxFilter(Status: Workflows.Outbox.OutboxStatuses.Sent, Kind: OutboxKinds.StartWorkflow)));
    }

    [Fact]
    public async Task A_faulting_child_ends_the_wait_and_a_child_without_a_published_version_faults_the_parent()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("faulting-child").Activity("fault", "Elsa.Fault", ("message", Literal("Child workflow failed intentionally"))).Json());
        await engine.PublishAsync(new Flow("wait-for-faulting")
            .Activity("dispatch", "Elsa.DispatchWorkflow", ("workflowDefinitionId", Literal("faulting-child")), ("waitForCompletion", Literal(true, "Boolean")))
            .WriteLine("done", "Parent completed")
            .Chain("dispatch", "done").Json());
        await engine.PublishAsync(new Flow("missing-child")
            .Activity("execute", "Elsa.ExecuteWorkflow", ("workflowDefinitionId", Literal("no-such-definition")), ("waitForCompletion", Literal(true, "Boolean")))
            .WriteLine("done", "never")
            .Chain("execute", "done").Json());

        var waiting = await engine.StartAsync("wait-for-faulting");
        var missing = await engine.StartAsync("missing-child");
        await engine.DeliverOutboxAsync();

        var child = Assert.Single(await engine.Instances.ListChildrenAsync(waiting.Id, CancellationToken.None));
        Assert.Equal(WorkflowStatus.Faulted, child.Status);
        Assert.Equal(WorkflowStatus.Finished, (await engine.ReloadAsync(waiting.Id)).Status);
        Assert.Equal(["Parent completed"], await engine.LinesAsync(waiting.Id));
        missing = await engine.ReloadAsync(missing.Id);
        Assert.Equal(WorkflowStatus.Faulted, missing.Status);
        Assert.EndsWith(FaultKinds.ChildDefinitionNotPublished.Format("no-such-definition"), missing.Fault, StringComparison.Ordinal);
        Assert.Contains("$.root.activities[0].workflowDefinitionId", missing.Fault, StringComparison.Ordinal);
        Assert.Empty(await engine.Instances.ListChildrenAsync(missing.Id, CancellationToken.None));
        Assert.Empty(await engine.LinesAsync(missing.Id));
    }

    [Fact]
    public async Task A_published_definition_used_as_an_activity_takes_its_declared_inputs_gives_its_outputs_and_leaves_by_its_outcome()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var child = JsonNode.Parse(Subroutine("double-it", "Double it"))!.AsObject();
        var root = child["root"]!.AsObject();
        root["activities"]!.AsArray().Add(new JsonObject { ["id"] = "complete", ["type"] = "Elsa.Complete", ["outcomes"] = ObjectExpr("[\"Doubled\"]") });
        root["connections"]!.AsArray().Add(new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = "output", ["port"] = "Done" },
            ["target"] = new JsonObject { ["activity"] = "complete", ["port"] = "In" },
        });
        await engine.PublishAsync(child.ToJsonString());
        await engine.PublishAsync(new Flow("uses-double-it")
            .Variable("result", "Object")
            .Activity("double", "DoubleIt", ("workflowDefinitionId", "double-it"), ("workflowDefinitionVersionId", "double-it:v1"), ("latestAvailablePublishedVersion", 1),
                ("Value", Js("20 + 1", "Double")), ("Output", ResultBinding.DeepClone()))
            .Activity("say", "Elsa.WriteLine", ("text", Js("`doubled: ${getResult()}`")))
            .Connect("double", "say", "Doubled").Json());

        var parent = await engine.StartAsync("uses-double-it");
        Assert.Equal(WorkflowStatus.Suspended, parent.Status);
        await engine.DeliverOutboxAsync();

        Assert.Equal(["doubled: 42"], await engine.LinesAsync(parent.Id));
        Assert.Equal(WorkflowStatus.Finished, (await engine.ReloadAsync(parent.Id)).Status);
        var instance = Assert.Single(await engine.Instances.ListChildrenAsync(parent.Id, CancellationToken.None));
        Assert.Equal("double-it", instance.DefinitionId);
        Assert.Equal(["Running subroutine on value 21..."], await engine.LinesAsync(instance.Id));
    }

    [Fact]
    public void An_unknown_type_is_still_refused_while_a_node_naming_a_definition_is_accepted_with_any_port()
    {
        var validator = new Workflows.Definitions.DefinitionValidator(Workflows.Activities.ActivityRegistry.WithBuiltIns());

        var (accepted, acceptedErrors) = validator.Load(new Flow("as-activity")
            .Activity("use", "SomeWorkflow", ("workflowDefinitionId", "some-workflow"))
            .WriteLine("after", "after")
            .Connect("use", "after", "Approved").Json());
        var (_, refused) = validator.Load(new Flow("unknown").Activity("use", "SomeWorkflow").Json());

        Assert.NotNull(accepted);
        Assert.Empty(acceptedErrors);
        var error = Assert.Single(refused);
        Assert.Equal(Workflows.Definitions.DefinitionErrorKinds.ActivityTypeUnknown.Code, error.Code);
        Assert.Equal("$.root.activities[0].type", error.Path);
    }

    /// <summary>Elsa's subroutine scenario: a declared input Value, a declared output Output that is Value doubled.</summary>
    private static string Subroutine(string definitionId, string? name = null)
    {
        var document = new Flow(definitionId)
            .Activity("say", "Elsa.WriteLine", ("text", Js("`Running subroutine on value ${getInput('Value')}...`", "String")))
            .Activity("output", "Elsa.SetOutput", ("outputName", Literal("Output")), ("outputValue", Js("getInput('Value') * 2", "Double")))
            .Chain("say", "output").Build();
        document["name"] = name ?? definitionId;
        document["inputs"] = new JsonArray(new JsonObject { ["name"] = "Value", ["type"] = "Double", ["displayName"] = "Value" });
        document["outputs"] = new JsonArray(new JsonObject { ["name"] = "Output", ["type"] = "Double", ["displayName"] = "Output" });
        return document.ToJsonString();
    }
}
