using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AntiDrugFlow.Tests.Accounts;
using Refit;

namespace AntiDrugFlow.Tests.Api.Elsa;

// A client written the way Elsa's API client is: Refit interfaces on Elsa's routes, relative to /elsa/api,
// with Elsa's request and response models (only the members these tests read).

public sealed record PagedList<T>(List<T> Items, long TotalCount);

public sealed record ListResponse<T>(List<T> Items, int Count);

public sealed record WorkflowDefinitionSummary(string Id, string DefinitionId, string Name, int Version, bool IsLatest, bool IsPublished);

public sealed record WorkflowDefinition(string Id, string DefinitionId, string Name, int Version, bool IsLatest, bool IsPublished, DateTimeOffset CreatedAt, JsonObject Root);

public sealed record ListWorkflowDefinitionsRequest(int? Page = null, int? PageSize = null, string? SearchTerm = null);

public sealed record SaveWorkflowDefinitionRequest(JsonObject Model, bool? Publish);

public sealed record CountWorkflowDefinitionsResponse(long Count);

public sealed record GetIsNameUniqueResponse(bool IsUnique);

public sealed record BulkPublishWorkflowDefinitionsRequest(List<string> DefinitionIds);

public sealed record BulkPublishWorkflowDefinitionsResponse(List<string> Published, List<string> AlreadyPublished, List<string> NotFound, List<string> Skipped);

public sealed record RetractWorkflowDefinitionRequest;

public sealed record InputDescriptor(string Name, string TypeName, string DisplayName, bool IsRequired, string UiHint);

public sealed record Port(string Name, string Type);

public sealed record ActivityDescriptor(string TypeName, string Namespace, string Name, string Category, string DisplayName, string Kind, List<InputDescriptor> Inputs, List<Port> Ports);

public enum WorkflowStatus
{
    Running,
    Finished,
}

public enum WorkflowSubStatus
{
    Pending,
    Executing,
    Suspended,
    Finished,
    Cancelled,
    Faulted,
}

public sealed record Bookmark(string Id, string Name, JsonObject Payload, string ActivityId);

public sealed record WorkflowState(string Id, string DefinitionId, WorkflowStatus Status, WorkflowSubStatus SubStatus, List<Bookmark> Bookmarks);

public sealed record ExecuteWorkflowDefinitionRequest(JsonObject? Input = null, string? CorrelationId = null);

public sealed record ExecuteWorkflowDefinitionResponse(WorkflowState WorkflowState);

public sealed record WorkflowInstance(string Id, string DefinitionId, WorkflowStatus Status, WorkflowSubStatus SubStatus, string? CorrelationId, WorkflowState WorkflowState);

public sealed record WorkflowInstanceSummary(string Id, string DefinitionId, WorkflowStatus Status, WorkflowSubStatus SubStatus);

public sealed record ListWorkflowInstancesRequest(int? Page = null, int? PageSize = null, string? DefinitionId = null);

public sealed record WorkflowExecutionLogRecord(string Id, string? ActivityId, string? ActivityType, DateTimeOffset Timestamp, long Sequence, string EventName, string? Message);

public sealed record ReportTaskCompletedRequest(JsonNode? Result);

public interface IWorkflowDefinitionsApi
{
    [Get("/workflow-definitions")]
    Task<PagedList<WorkflowDefinitionSummary>> ListAsync([Query] ListWorkflowDefinitionsRequest request, [Query] string? versionOptions = null, CancellationToken cancellationToken = default);

    [Get("/workflow-definitions/by-definition-id/{definitionId}")]
    Task<IApiResponse<WorkflowDefinition>> GetByDefinitionIdAsync(string definitionId, [Query] string? versionOptions = null, CancellationToken cancellationToken = default);

    [Get("/workflow-definitions/by-id/{id}")]
    Task<WorkflowDefinition> GetByIdAsync(string id, CancellationToken cancellationToken = default);

    [Get("/workflow-definitions/query/count")]
    Task<CountWorkflowDefinitionsResponse> CountAsync(CancellationToken cancellationToken = default);

    [Get("/workflow-definitions/validation/is-name-unique")]
    Task<GetIsNameUniqueResponse> GetIsNameUniqueAsync(string name, string? definitionId = null, CancellationToken cancellationToken = default);

    [Post("/workflow-definitions")]
    Task<IApiResponse<WorkflowDefinition>> SaveAsync(SaveWorkflowDefinitionRequest request, CancellationToken cancellationToken = default);

    [Delete("/workflow-definitions/{definitionId}")]
    Task<IApiResponse> DeleteAsync(string definitionId, CancellationToken cancellationToken = default);

    [Post("/workflow-definitions/{definitionId}/publish")]
    Task<WorkflowDefinition> PublishAsync(string definitionId, CancellationToken cancellationToken = default);

    [Post("/workflow-definitions/{definitionId}/retract")]
    Task<WorkflowDefinition> RetractAsync(string definitionId, RetractWorkflowDefinitionRequest request, CancellationToken cancellationToken = default);

    [Post("/bulk-actions/publish/workflow-definitions/by-definition-ids")]
    Task<BulkPublishWorkflowDefinitionsResponse> BulkPublishAsync(BulkPublishWorkflowDefinitionsRequest request, CancellationToken cancellationToken = default);

    [Get("/workflow-definitions/{definitionId}/export")]
    Task<IApiResponse<Stream>> ExportAsync(string definitionId, [Query] string? versionOptions = null, CancellationToken cancellationToken = default);

    [Post("/workflow-definitions/import")]
    Task<WorkflowDefinition> ImportAsync([Body] JsonObject model, CancellationToken cancellationToken = default);

    [Get("/workflow-definitions/{definitionId}/versions")]
    Task<IApiResponse<List<WorkflowDefinition>>> ListVersionsAsync(string definitionId, CancellationToken cancellationToken = default);

    [Post("/workflow-definitions/{definitionId}/revert/{version}")]
    Task<IApiResponse<WorkflowDefinition>> RevertVersionAsync(string definitionId, int version, CancellationToken cancellationToken = default);
}

public interface IActivityDescriptorsApi
{
    [Get("/descriptors/activities")]
    Task<ListResponse<ActivityDescriptor>> ListAsync(CancellationToken cancellationToken = default);
}

public interface IExecuteWorkflowApi
{
    [Post("/workflow-definitions/{definitionId}/execute")]
    Task<ExecuteWorkflowDefinitionResponse> ExecuteAsync(string definitionId, ExecuteWorkflowDefinitionRequest? request, CancellationToken cancellationToken = default);
}

public interface IWorkflowInstancesApi
{
    [Post("/workflow-instances")]
    Task<PagedList<WorkflowInstanceSummary>> ListAsync(ListWorkflowInstancesRequest request, CancellationToken cancellationToken = default);

    [Get("/workflow-instances/{id}")]
    Task<IApiResponse<WorkflowInstance>> GetAsync(string id, CancellationToken cancellationToken = default);

    [Get("/workflow-instances/{workflowInstanceId}/journal")]
    Task<PagedList<WorkflowExecutionLogRecord>> GetJournalAsync(string workflowInstanceId, int? skip = null, int? take = null, CancellationToken cancellationToken = default);

    [Delete("/workflow-instances/{id}")]
    Task<IApiResponse> DeleteAsync(string id, CancellationToken cancellationToken = default);

    [Post("/cancel/workflow-instances/{id}")]
    Task CancelAsync(string id, CancellationToken cancellationToken = default);
}

public interface ITasksApi
{
    [Post("/tasks/{taskId}/complete")]
    Task<IApiResponse> ReportTaskCompletedAsync(string taskId, [Body] ReportTaskCompletedRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Elsa-style clients on the test host, signed in with an API key as Elsa's clients send it.</summary>
public sealed class ElsaClient
{
    public static readonly RefitSettings Settings = new(new SystemTextJsonContentSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } }));

    public ElsaClient(HttpClient http)
    {
        Definitions = RestService.For<IWorkflowDefinitionsApi>(http, Settings);
        Descriptors = RestService.For<IActivityDescriptorsApi>(http, Settings);
        Execute = RestService.For<IExecuteWorkflowApi>(http, Settings);
        Instances = RestService.For<IWorkflowInstancesApi>(http, Settings);
        Tasks = RestService.For<ITasksApi>(http, Settings);
    }

    public IWorkflowDefinitionsApi Definitions { get; }

    public IActivityDescriptorsApi Descriptors { get; }

    public IExecuteWorkflowApi Execute { get; }

    public IWorkflowInstancesApi Instances { get; }

    public ITasksApi Tasks { get; }

    /// <summary>An HTTP client on /elsa/api carrying <c>Authorization: ApiKey {key}</c>.</summary>
    public static HttpClient WithApiKey(AccountsHost host, string key)
    {
        var http = host.Factory.CreateDefaultClient(new Uri("http://localhost/elsa/api"));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return http;
    }
}
