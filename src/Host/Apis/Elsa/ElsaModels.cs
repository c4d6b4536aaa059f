using System.Text.Json.Nodes;

namespace AntiDrugFlow.Host.Apis.Elsa;

// Request and response bodies of Elsa 3's REST API, with Elsa's property names (serialised camelCase, enums as names).

/// <summary>Elsa's page envelope.</summary>
public sealed record ElsaPage<T>(IReadOnlyList<T> Items, long TotalCount);

/// <summary>Elsa's list envelope (descriptors).</summary>
public sealed record ElsaList<T>(IReadOnlyList<T> Items, int Count);

public sealed record ElsaWorkflowDefinitionSummary(
    string Id, string DefinitionId, string Name, string? Description, int Version, string? ToolVersion,
    bool IsLatest, bool IsPublished, string ProviderName, string MaterializerName, DateTimeOffset CreatedAt);

public sealed record ElsaCountResponse(long Count);

public sealed record ElsaIsNameUniqueResponse(bool IsUnique);

public sealed record ElsaDefinitionIdsRequest(IReadOnlyList<string>? DefinitionIds);

public sealed record ElsaBulkPublishResponse(
    IReadOnlyList<string> Published, IReadOnlyList<string> AlreadyPublished, IReadOnlyList<string> NotFound, IReadOnlyList<string> Skipped, IReadOnlyList<string> UpdatedConsumers);

public sealed record ElsaBulkRetractResponse(IReadOnlyList<string> Retracted, IReadOnlyList<string> AlreadyRetracted, IReadOnlyList<string> NotFound, IReadOnlyList<string> Skipped);

public sealed record ElsaBulkDeleteResponse(long Deleted);

public sealed record ElsaInstanceIdsRequest(IReadOnlyList<string>? Ids);

public sealed record ElsaBulkCancelResponse(long Cancelled);

public sealed record ElsaDispatchResponse(string WorkflowInstanceId);

public sealed record ElsaExecuteResponse(ElsaWorkflowState WorkflowState);

public sealed record ElsaEventTriggered(IReadOnlyList<string> WorkflowInstanceIds);

/// <summary>Elsa's two-level status: Running or Finished, and how.</summary>
public enum ElsaWorkflowStatus
{
    Running,
    Finished,
}

public enum ElsaWorkflowSubStatus
{
    Pending,
    Executing,
    Suspended,
    Finished,
    Cancelled,
    Faulted,
}

public sealed record ElsaBookmark(string Id, string Name, string Hash, JsonObject Payload, string ActivityId, string ActivityNodeId, string? CorrelationId, DateTimeOffset CreatedAt);

public sealed record ElsaIncident(string ActivityId, string? ActivityType, string Message, DateTimeOffset Timestamp);

public sealed record ElsaWorkflowState(
    string Id, string DefinitionId, string DefinitionVersionId, int DefinitionVersion, string? CorrelationId,
    ElsaWorkflowStatus Status, ElsaWorkflowSubStatus SubStatus, IReadOnlyList<ElsaBookmark> Bookmarks, IReadOnlyList<ElsaIncident> Incidents,
    JsonObject Input, JsonObject Output, JsonObject Properties, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt,
    string? ParentWorkflowInstanceId);

public sealed record ElsaWorkflowInstance(
    string Id, string DefinitionId, string DefinitionVersionId, int Version, ElsaWorkflowStatus Status, ElsaWorkflowSubStatus SubStatus,
    string? CorrelationId, string? Name, int IncidentCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt, ElsaWorkflowState WorkflowState,
    string? ParentWorkflowInstanceId);

public sealed record ElsaWorkflowInstanceSummary(
    string Id, string DefinitionId, string DefinitionVersionId, int Version, ElsaWorkflowStatus Status, ElsaWorkflowSubStatus SubStatus,
    string? CorrelationId, string? Name, int IncidentCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

/// <summary>Elsa's instance query (the body of <c>POST /workflow-instances</c>); the fields this engine can filter by.</summary>
public sealed record ElsaListInstancesRequest(
    int? Page, int? PageSize, string? DefinitionId, IReadOnlyList<string>? DefinitionIds, string? CorrelationId,
    IReadOnlyList<ElsaWorkflowStatus>? Statuses, IReadOnlyList<ElsaWorkflowSubStatus>? SubStatuses);

public sealed record ElsaExecutionLogRecord(
    string Id, string ActivityInstanceId, string? ParentActivityInstanceId, string? ActivityId, string? ActivityType, int ActivityTypeVersion,
    string? ActivityName, string? NodeId, DateTimeOffset Timestamp, long Sequence, string EventName, string? Message, string Source, JsonNode? Payload);

public sealed record ElsaInputDescriptor(
    string Name, string TypeName, string DisplayName, string? Description, int Order, bool IsBrowsable, bool IsRequired, string UiHint,
    string Category, string DefaultSyntax, bool IsReadOnly, bool IsWrapped, bool IsSynthetic, JsonObject? UiSpecifications);

public sealed record ElsaOutputDescriptor(string Name, string TypeName, string DisplayName, string? Description, bool IsBrowsable, bool IsSynthetic);

public sealed record ElsaPort(string Name, string DisplayName, string Type, bool IsBrowsable);

public sealed record ElsaActivityDescriptor(
    string TypeName, string Namespace, string Name, int Version, string Category, string DisplayName, string Description,
    IReadOnlyList<ElsaInputDescriptor> Inputs, IReadOnlyList<ElsaOutputDescriptor> Outputs, string Kind, IReadOnlyList<ElsaPort> Ports,
    JsonObject CustomProperties, bool IsContainer, bool IsBrowsable, bool IsStart, bool IsTerminal);
