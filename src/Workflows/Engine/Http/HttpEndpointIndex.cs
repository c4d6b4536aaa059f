using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Services;

namespace AntiDrugFlow.Workflows.Http;

/// <summary>
/// One <c>Elsa.HttpEndpoint</c> of a published definition: where it listens, for which methods, who may call it,
/// and whether it starts instances (the definition's start activity) or resumes those waiting on it.
/// </summary>
public sealed record HttpEndpointRoute(
    string DefinitionId,
    string ActivityId,
    HttpRouteTemplate Template,
    IReadOnlyList<string> Methods,
    bool StartsInstances,
    bool AllowAnonymous,
    string? Policy);

/// <summary>A request's match: the endpoint and the route values the path gave.</summary>
public sealed record HttpEndpointMatch(HttpEndpointRoute Route, IReadOnlyDictionary<string, string> RouteValues);

/// <summary>
/// The HTTP endpoints of the published definitions, held in memory. Re-read after a publish, retract or delete
/// on this host, and at least once a minute for changes made by other hosts.
/// </summary>
public sealed class HttpEndpointIndex
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private readonly WorkflowDefinitionService _definitions;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _reading = new(1, 1);
    private IReadOnlyList<HttpEndpointRoute>? _routes;
    private DateTimeOffset _readAt;

    public HttpEndpointIndex(WorkflowDefinitionService definitions, TimeProvider time)
    {
        _definitions = definitions;
        _time = time;
        definitions.PublishedChanged += _ => _routes = null;
    }

    public async Task<IReadOnlyList<HttpEndpointRoute>> RoutesAsync(CancellationToken cancellationToken)
    {
        if (_routes is { } fresh && _time.GetUtcNow() - _readAt < MaxAge)
        {
            return fresh;
        }

        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (_routes is { } again && _time.GetUtcNow() - _readAt < MaxAge)
            {
                return again;
            }

            var readAt = _time.GetUtcNow();
            var routes = new List<HttpEndpointRoute>();
            foreach (var summary in await _definitions.Store.ListAsync(cancellationToken))
            {
                if (summary.PublishedVersion is not null && await _definitions.PublishedAsync(summary.DefinitionId, cancellationToken) is { } definition)
                {
                    routes.AddRange(RoutesOf(definition));
                }
            }

            _routes = routes;
            _readAt = readAt;
            return routes;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>The endpoints whose template matches the path, of any method.</summary>
    public async Task<IReadOnlyList<HttpEndpointMatch>> MatchAsync(string path, CancellationToken cancellationToken)
    {
        var matches = new List<HttpEndpointMatch>();
        foreach (var route in await RoutesAsync(cancellationToken))
        {
            if (route.Template.Match(path) is { } values)
            {
                matches.Add(new HttpEndpointMatch(route, values));
            }
        }

        return matches;
    }

    /// <summary>The endpoints a definition declares; path, methods and access are literals (anything else is ignored or refuses anonymous calls).</summary>
    public static IEnumerable<HttpEndpointRoute> RoutesOf(WorkflowDefinition definition)
    {
        foreach (var node in definition.Activities.Where(a => a.Type == "Elsa.HttpEndpoint"))
        {
            if (!HttpRouteTemplate.TryParse(LiteralText(node, HttpEndpointActivity.Path.Name), out var template))
            {
                continue;
            }

            var methods = new List<string>();
            if (node.Input(HttpEndpointActivity.SupportedMethods.Name) is { Type: "Literal" or "Object" } spec)
            {
                var value = spec.Value is JsonValue text && JsonValues.AsString(text) is { } json && json.TrimStart().StartsWith('[') ? JsonNode.Parse(json) : spec.Value;
                foreach (var method in value as JsonArray ?? [])
                {
                    if (JsonValues.AsString(method) is { Length: > 0 } name)
                    {
                        methods.Add(name.ToUpperInvariant());
                    }
                }
            }

            if (methods.Count == 0)
            {
                methods.Add("GET");
            }

            var allowAnonymous = string.Equals(LiteralText(node, HttpEndpointActivity.AllowAnonymous.Name), "true", StringComparison.OrdinalIgnoreCase)
                || (definition.Document["customProperties"] is JsonObject custom && string.Equals(JsonValues.AsString(custom["allowAnonymous"]), "true", StringComparison.OrdinalIgnoreCase));
            yield return new HttpEndpointRoute(
                definition.DefinitionId,
                node.Id,
                template,
                methods,
                StartsInstances(definition, node),
                allowAnonymous,
                LiteralText(node, HttpEndpointActivity.Policy.Name) is { Length: > 0 } policy ? policy : null);
        }
    }

    /// <summary>
    /// Whether requests to the endpoint start instances: as in Elsa, when its <c>customProperties.canStartWorkflow</c> is
    /// true (wherever it is in the root flowchart) and never when it is false; a definition that does not say (written
    /// before the property was read) starts at its start activity. An endpoint inside a nested flowchart only resumes.
    /// </summary>
    public static bool StartsInstances(WorkflowDefinition definition, ActivityNode node)
    {
        if (node.Container is not null)
        {
            return false;
        }

        return node.Json["customProperties"] is JsonObject properties && properties["canStartWorkflow"] is JsonValue flag
            ? string.Equals(JsonValues.AsString(flag), "true", StringComparison.OrdinalIgnoreCase)
            : node.Id == definition.StartActivityId;
    }

    private static string? LiteralText(ActivityNode node, string input) =>
        node.Input(input) is { Type: "Literal" } spec ? JsonValues.AsString(spec.Value) : null;
}
