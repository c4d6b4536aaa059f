using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>
/// Delivers "agency-system" outbox rows: one notice to one system of one agency. The payload names the
/// agency and system; the address and key are looked up at delivery, so a corrected directory entry
/// or a rotated key applies to messages still waiting.
/// </summary>
public sealed class AgencySystemChannel : IOutboxChannel
{
    public const string OutboxKind = AgencySystemNotices.OutboxKind;

    private readonly IAgencyEndpoints _endpoints;
    private readonly IServiceProvider _services;
    private readonly ResiliencePipeline _timeout;

    public AgencySystemChannel(IAgencyEndpoints endpoints, IServiceProvider services, IOptions<AgencySystemsOptions> options)
    {
        _endpoints = endpoints;
        _services = services;
        // Retries belong to the outbox (durable, with backoff); here only the bound on one call.
        _timeout = new ResiliencePipelineBuilder().AddTimeout(options.Value.RequestTimeout).Build();
    }

    public string Kind => OutboxKind;

    public string Destination(OutboxItem item) => $"{JsonValues.AsString(item.Payload["agencyId"])}/{JsonValues.AsString(item.Payload["system"])}";

    public async Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var agencyId = JsonValues.AsString(item.Payload["agencyId"]) ?? string.Empty;
        // Typed clients are resolved per delivery so the factory can rotate their handlers.
        if (!Enum.TryParse<AgencySystem>(JsonValues.AsString(item.Payload["system"]), out var system)
            || _services.GetServices<IAgencySystemClient>().FirstOrDefault(c => c.System == system) is not { } client)
        {
            throw new DeliveryException($"unknown agency system in message {item.IdempotencyKey}");
        }

        var endpoint = (await _endpoints.ForAgencyAsync(agencyId, cancellationToken)).FirstOrDefault(e => e.System == system)
            ?? throw new DeliveryException($"agency {agencyId} has no {system} endpoint in the directory");
        _ = _endpoints.SigningKey(agencyId)
            ?? throw new DeliveryException($"no signing key configured for agency {agencyId}");
        var notice = ReadNotice(item.Payload);
        try
        {
            await _timeout.ExecuteAsync(async token => await client.SendAsync(agencyId, notice, item.IdempotencyKey, token), cancellationToken);
        }
        catch (Polly.Timeout.TimeoutRejectedException ex)
        {
            throw new DeliveryException($"no answer within {ex.Timeout.TotalSeconds:0.#} s from {endpoint.Address.GetLeftPart(UriPartial.Authority)}", ex);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException ex)
        {
            throw new DeliveryException($"{endpoint.Address.GetLeftPart(UriPartial.Authority)} failed repeatedly; calls are paused for a while", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new DeliveryException($"{endpoint.Address.GetLeftPart(UriPartial.Authority)} unreachable: {ex.Message}", ex);
        }
    }

    public static JsonObject Payload(string agencyId, AgencySystem system, AgencyNotice notice) =>
        AgencySystemNotices.Payload(agencyId, system.ToString(), notice.Kind, notice.TaskId, notice.Items);

    private static AgencyNotice ReadNotice(JsonObject payload)
    {
        var items = payload["items"] is JsonArray array
            ? array.OfType<JsonObject>().Select(i => new NoticeItem(
                JsonValues.AsString(i["caseNumber"]) ?? string.Empty,
                JsonValues.AsString(i["task"]) ?? string.Empty,
                DateTimeOffset.Parse(JsonValues.AsString(i["deadline"]) ?? string.Empty, CultureInfo.InvariantCulture),
                JsonValues.AsString(i["link"]) ?? string.Empty)).ToList()
            : [];
        return new AgencyNotice(JsonValues.AsString(payload["notice"]) ?? string.Empty, items, JsonValues.AsString(payload["taskId"]));
    }
}
