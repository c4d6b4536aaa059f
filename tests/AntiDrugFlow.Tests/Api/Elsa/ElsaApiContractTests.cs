using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Api.Elsa;

/// <summary>Elsa's routes and models, driven by an Elsa-style Refit client with an administrator's API key, against the running host.</summary>
public sealed class ElsaApiContractTests : IAsyncLifetime
{
    private AccountsHost _host = null!;
    private HttpClient _http = null!;
    private ElsaClient _elsa = null!;

    public async Task InitializeAsync()
    {
        _host = await AccountsHost.StartAsync();
        using var admin = await _host.SignedInAsync("admin");
        var key = await ApiKeyTests.CreateKeyAsync(admin, "Elsa Studio", [RoleNames.Administrator], null);
        _http = ElsaClient.WithApiKey(_host, key.Key);
        _elsa = new ElsaClient(_http);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_definition_is_saved_published_read_counted_checked_exported_reimported_retracted_bulk_published_and_deleted()
    {
        Assert.Equal(0, (await _elsa.Definitions.CountAsync()).Count);
        var model = new Flow("elsa-contract").WriteLine("a", "hello").Build();
        model["name"] = "契約測試";

        var draft = await _elsa.Definitions.SaveAsync(new SaveWorkflowDefinitionRequest(model, Publish: false));
        Assert.Equal(HttpStatusCode.Created, draft.StatusCode);
        Assert.False(draft.Content!.IsPublished);
        var published = await _elsa.Definitions.SaveAsync(new SaveWorkflowDefinitionRequest(model, Publish: true));
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.True(published.Content!.IsPublished);
        Assert.Equal(1, published.Content.Version);

        var byDefinitionId = await _elsa.Definitions.GetByDefinitionIdAsync("elsa-contract", "Published");
        Assert.Equal(HttpStatusCode.OK, byDefinitionId.StatusCode);
        Assert.Equal("契約測試", byDefinitionId.Content!.Name);
        Assert.Equal("hello", byDefinitionId.Content.Root["activities"]![0]!["text"]!["expression"]!["value"]!.GetValue<string>());
        var byId = await _elsa.Definitions.GetByIdAsync(byDefinitionId.Content.Id);
        Assert.Equal(("elsa-contract", 1, true), (byId.DefinitionId, byId.Version, byId.IsPublished));
        Assert.Equal(1, (await _elsa.Definitions.CountAsync()).Count);
        var page = await _elsa.Definitions.ListAsync(new ListWorkflowDefinitionsRequest(Page: 0, PageSize: 10, SearchTerm: "契約"), "Latest");
        Assert.Equal(1, page.TotalCount);
        Assert.Equal("elsa-contract", Assert.Single(page.Items).DefinitionId);

        Assert.False((await _elsa.Definitions.GetIsNameUniqueAsync("契約測試")).IsUnique);
        Assert.True((await _elsa.Definitions.GetIsNameUniqueAsync("契約測試", "elsa-contract")).IsUnique);
        Assert.True((await _elsa.Definitions.GetIsNameUniqueAsync("另一個名稱")).IsUnique);

        var export = await _elsa.Definitions.ExportAsync("elsa-contract", "Published");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("elsa-contract.json", export.ContentHeaders!.ContentDisposition!.FileNameStar ?? export.ContentHeaders.ContentDisposition.FileName);
        var exported = (await JsonNode.ParseAsync(export.Content!))!.AsObject();
        exported["definitionId"] = "elsa-contract-copy";
        exported["name"] = "契約測試複本";
        var imported = await _elsa.Definitions.ImportAsync(exported);
        Assert.Equal(("elsa-contract-copy", 1, true), (imported.DefinitionId, imported.Version, imported.IsPublished));
        Assert.Equal(2, (await _elsa.Definitions.CountAsync()).Count);

        var retracted = await _elsa.Definitions.RetractAsync("elsa-contract", new RetractWorkflowDefinitionRequest());
        Assert.False(retracted.IsPublished);
        Assert.Equal(HttpStatusCode.NotFound, (await _elsa.Definitions.GetByDefinitionIdAsync("elsa-contract", "Published")).StatusCode);

        var other = new Flow("elsa-contract-2").WriteLine("b", "second").Build();
        await _elsa.Definitions.SaveAsync(new SaveWorkflowDefinitionRequest(other, Publish: false));
        var bulk = await _elsa.Definitions.BulkPublishAsync(new BulkPublishWorkflowDefinitionsRequest(["elsa-contract", "elsa-contract-2", "elsa-contract-copy", "no-such-definition"]));
        Assert.Equal(["elsa-contract", "elsa-contract-2"], bulk.Published);
        Assert.Equal(["elsa-contract-copy"], bulk.AlreadyPublished);
        Assert.Equal(["no-such-definition"], bulk.NotFound);
        Assert.True((await _elsa.Definitions.GetByDefinitionIdAsync("elsa-contract-2", "Published")).Content!.IsPublished);

        Assert.Equal(HttpStatusCode.NoContent, (await _elsa.Definitions.DeleteAsync("elsa-contract-copy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _elsa.Definitions.GetByDefinitionIdAsync("elsa-contract-copy", "Latest")).StatusCode);
        Assert.Equal(2, (await _elsa.Definitions.CountAsync()).Count);
    }

    [Fact]
    public async Task A_definitions_versions_are_listed_newest_first_and_reverting_makes_an_earlier_one_the_latest_draft()
    {
        await _elsa.Definitions.SaveAsync(new SaveWorkflowDefinitionRequest(new Flow("elsa-versions").WriteLine("a", "first").Build(), Publish: true));
        await _elsa.Definitions.SaveAsync(new SaveWorkflowDefinitionRequest(new Flow("elsa-versions").WriteLine("a", "second").Build(), Publish: true));

        var versions = await _elsa.Definitions.ListVersionsAsync("elsa-versions");
        Assert.Equal(HttpStatusCode.OK, versions.StatusCode);
        Assert.Equal([(2, true, true), (1, false, false)], versions.Content!.Select(v => (v.Version, v.IsLatest, v.IsPublished)));
        Assert.Equal(HttpStatusCode.NotFound, (await _elsa.Definitions.ListVersionsAsync("no-such-definition")).StatusCode);

        var reverted = await _elsa.Definitions.RevertVersionAsync("elsa-versions", 1);
        Assert.Equal(HttpStatusCode.OK, reverted.StatusCode);
        Assert.Equal((3, true, false), (reverted.Content!.Version, reverted.Content.IsLatest, reverted.Content.IsPublished));
        var latest = (await _elsa.Definitions.GetByDefinitionIdAsync("elsa-versions", "Latest")).Content!;
        Assert.Equal(("elsa-versions:v3", "first"), (latest.Id, latest.Root["activities"]![0]!["text"]!["expression"]!["value"]!.GetValue<string>()));
        // The published version is untouched until the reverted draft is published.
        Assert.Equal(2, (await _elsa.Definitions.GetByDefinitionIdAsync("elsa-versions", "Published")).Content!.Version);
        Assert.Equal(HttpStatusCode.NotFound, (await _elsa.Definitions.RevertVersionAsync("elsa-versions", 9)).StatusCode);
    }

    [Fact]
    public async Task The_activity_descriptors_describe_built_in_and_domain_activities_with_their_inputs_and_ports()
    {
        var descriptors = await _elsa.Descriptors.ListAsync();

        Assert.Equal(descriptors.Items.Count, descriptors.Count);
        var join = Assert.Single(descriptors.Items, d => d.TypeName == "Elsa.FlowJoin");
        Assert.Equal(("Elsa", "FlowJoin"), (join.Namespace, join.Name));
        var mode = Assert.Single(join.Inputs);
        Assert.Equal(("mode", "String", "dropdown"), (mode.Name, mode.TypeName, mode.UiHint));
        Assert.NotEqual(mode.Name, mode.DisplayName);
        var route = Assert.Single(descriptors.Items, d => d.TypeName == "AntiDrugFlow.RouteTask");
        Assert.Equal("Task", route.Kind);
        Assert.Equal(["Done", "Overdue"], route.Ports.Select(p => p.Name));
        Assert.True(route.Inputs.Single(i => i.Name == "agency").IsRequired);
        Assert.False(route.Inputs.Single(i => i.Name == "route").IsRequired);
        Assert.Equal("TimeSpan", route.Inputs.Single(i => i.Name == "dueIn").TypeName);
        Assert.All(descriptors.Items, d => Assert.False(string.IsNullOrEmpty(d.DisplayName)));
        // Every activity the engine registers has its zh-TW words in the catalogue: none falls into 「其他」.
        Assert.Empty(descriptors.Items.Where(d => d.Category == AntiDrugFlow.Host.Apis.Elsa.ActivityCatalogue.OtherCategory).Select(d => d.TypeName));
        Assert.Equal(descriptors.Items.Count, descriptors.Items.Select(d => d.TypeName).Distinct().Count());
    }

    [Fact]
    public async Task An_instance_runs_to_its_task_shows_its_journal_finishes_when_the_task_is_completed_and_another_is_cancelled_and_deleted()
    {
        var model = new Flow("elsa-task").Activity("t", "Elsa.RunTask", ("taskName", Literal("審核"))).WriteLine("w", "done").Chain("t", "w").Build();
        await _elsa.Definitions.SaveAsync(new SaveWorkflowDefinitionRequest(model, Publish: true));

        var run = await _elsa.Execute.ExecuteAsync("elsa-task", new ExecuteWorkflowDefinitionRequest(CorrelationId: "case-1"));
        Assert.Equal((WorkflowStatus.Running, WorkflowSubStatus.Suspended), (run.WorkflowState.Status, run.WorkflowState.SubStatus));
        var bookmark = Assert.Single(run.WorkflowState.Bookmarks);
        Assert.Equal(("Elsa.RunTask", "t"), (bookmark.Name, bookmark.ActivityId));
        var taskId = bookmark.Payload["taskId"]!.GetValue<string>();

        var journal = await _elsa.Instances.GetJournalAsync(run.WorkflowState.Id);
        Assert.Equal(journal.Items.Count, journal.TotalCount);
        Assert.Contains(journal.Items, r => r.ActivityId == "t");
        Assert.Equal(journal.Items.Select(r => r.Sequence).Order(), journal.Items.Select(r => r.Sequence));
        Assert.Single((await _elsa.Instances.GetJournalAsync(run.WorkflowState.Id, skip: 0, take: 1)).Items);

        Assert.Equal(HttpStatusCode.NoContent, (await _elsa.Tasks.ReportTaskCompletedAsync(taskId, new ReportTaskCompletedRequest(new JsonObject { ["approved"] = true }))).StatusCode);
        var finished = (await _elsa.Instances.GetAsync(run.WorkflowState.Id)).Content!;
        Assert.Equal((WorkflowStatus.Finished, WorkflowSubStatus.Finished, "case-1"), (finished.Status, finished.SubStatus, finished.CorrelationId));
        Assert.Empty(finished.WorkflowState.Bookmarks);
        Assert.Equal(HttpStatusCode.Conflict, (await _elsa.Tasks.ReportTaskCompletedAsync(taskId, new ReportTaskCompletedRequest(null))).StatusCode);

        var other = await _elsa.Execute.ExecuteAsync("elsa-task", null);
        Assert.Equal(HttpStatusCode.Conflict, (await _elsa.Instances.DeleteAsync(other.WorkflowState.Id)).StatusCode);
        await _elsa.Instances.CancelAsync(other.WorkflowState.Id);
        Assert.Equal(WorkflowSubStatus.Cancelled, (await _elsa.Instances.GetAsync(other.WorkflowState.Id)).Content!.SubStatus);
        var listed = await _elsa.Instances.ListAsync(new ListWorkflowInstancesRequest(Page: 0, PageSize: 1, DefinitionId: "elsa-task"));
        Assert.Equal(2, listed.TotalCount);
        Assert.Single(listed.Items);

        Assert.Equal(HttpStatusCode.NoContent, (await _elsa.Instances.DeleteAsync(other.WorkflowState.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _elsa.Instances.GetAsync(other.WorkflowState.Id)).StatusCode);
        Assert.Equal(1, (await _elsa.Instances.ListAsync(new ListWorkflowInstancesRequest(DefinitionId: "elsa-task"))).TotalCount);
        // The finished instance still runs on its version, so the definition is kept.
        Assert.Equal(HttpStatusCode.Conflict, (await _elsa.Definitions.DeleteAsync("elsa-task")).StatusCode);
    }
}
