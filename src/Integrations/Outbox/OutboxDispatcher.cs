using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Integrations.Outbox;

public sealed class OutboxOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a claimed message is reserved for the host delivering it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    public int BatchSize { get; set; } = 50;

    /// <summary>Attempts before a message is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 8;

    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A delivery failed; the message is retried later or dead-lettered.</summary>
public sealed class DeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Delivers outbox rows after their step committed: emails, HTTP requests and published events. Several
/// hosts share the work through leases; each message carries its idempotency key on every attempt.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceProvider services,
    PostgresOutboxStore store,
    IEmailSender email,
    IHttpClientFactory http,
    TimeProvider time,
    IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "outbox";

    /// <summary>Delivers one batch of due messages in parallel, so a slow receiver holds up only its own. Returns how many were claimed.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var batch = await store.ClaimAsync(time.GetUtcNow(), settings.Lease, settings.BatchSize, cancellationToken);
        await Task.WhenAll(batch.Select(item => DeliverOneAsync(item, cancellationToken)));
        return batch.Count;
    }

    /// <summary>Exponential backoff with jitter: first delay × 2^(attempt-1), capped, ±20 %.</summary>
    public static TimeSpan RetryDelay(int attempt, TimeSpan first, TimeSpan max)
    {
        var exponential = first.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        var jitter = 1 + ((Random.Shared.NextDouble() * 0.4) - 0.2);
        return TimeSpan.FromMilliseconds(capped * jitter);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await DeliverDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogError(ex, "Outbox delivery round failed; retrying");
            }

            if (claimed == 0)
            {
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task DeliverOneAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        try
        {
            switch (item.Kind)
            {
                case OutboxKinds.Email:
                    await email.SendAsync(ToEmail(item), cancellationToken);
                    break;
                case OutboxKinds.Http:
                    await SendHttpAsync(item, cancellationToken);
                    break;
                case OutboxKinds.Event:
                    await services.GetRequiredService<WorkflowRuntime>().TriggerEventAsync(
                        JsonValues.AsString(item.Payload["eventName"]) ?? string.Empty, JsonValues.AsString(item.Payload["correlationId"]), item.Payload["payload"], cancellationToken);
                    break;
                case OutboxKinds.StartWorkflow:
                    await services.GetRequiredService<WorkflowRuntime>().StartAsync(
                        JsonValues.AsString(item.Payload["definitionId"]) ?? string.Empty, item.Payload["input"]?.DeepClone() as JsonObject, JsonValues.AsString(item.Payload["correlationId"]),
                        new StartOptions(InstanceId: WorkflowExecutor.InstanceIdFromKey(item.IdempotencyKey)), cancellationToken);
                    break;
                default:
                    throw new DeliveryException($"unknown outbox message kind '{item.Kind}'");
            }

            await store.MarkSentAsync(item.Id, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var settings = options.Value;
            var retryAt = item.Attempts >= settings.MaxAttempts ? (DateTimeOffset?)null : time.GetUtcNow() + RetryDelay(item.Attempts, settings.FirstRetryDelay, settings.MaxRetryDelay);
            // Only the kind, key and error text: a payload may hold case details.
            logger.LogWarning("Outbox {Kind} message {Key} attempt {Attempt} failed: {Error}; {Next}", item.Kind, item.IdempotencyKey, item.Attempts, ex.Message, retryAt is null ? "dead-lettered" : "retrying");
            await store.MarkFailedAsync(item.Id, Truncate(ex.Message, 2000), retryAt, CancellationToken.None);
        }
    }

    private async Task SendHttpAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var payload = item.Payload;
        using var request = new HttpRequestMessage(new HttpMethod(JsonValues.AsString(payload["method"]) ?? "GET"), JsonValues.AsString(payload["url"]));
        request.Headers.TryAddWithoutValidation("Idempotency-Key", item.IdempotencyKey);
        if (payload["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, JsonValues.AsString(value));
            }
        }

        if (JsonValues.AsString(payload["content"]) is { } content)
        {
            request.Content = new StringContent(content, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(JsonValues.AsString(payload["contentType"]) ?? "application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HttpTimeout);
        var client = http.CreateClient(HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new DeliveryException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {request.RequestUri?.GetLeftPart(UriPartial.Authority)}");
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException($"no answer within {options.Value.HttpTimeout.TotalSeconds:0} s from {request.RequestUri?.GetLeftPart(UriPartial.Authority)}", ex);
        }
    }

    private static EmailMessage ToEmail(OutboxItem item)
    {
        var p = item.Payload;
        static List<string> List(JsonNode? node) => node is JsonArray a ? [.. a.Select(JsonValues.AsString).OfType<string>()] : [];
        return new EmailMessage(JsonValues.AsString(p["from"]), List(p["to"]), List(p["cc"]), List(p["bcc"]), JsonValues.AsString(p["subject"]) ?? string.Empty, JsonValues.AsString(p["body"]) ?? string.Empty, item.IdempotencyKey);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
