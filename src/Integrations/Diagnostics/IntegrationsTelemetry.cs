using System.Diagnostics;
using System.Diagnostics.Metrics;
using AntiDrugFlow.Workflows.Outbox;

namespace AntiDrugFlow.Integrations.Diagnostics;

/// <summary>
/// Traces and metrics of delivery: a span per outbox attempt and per SMTP send, counters of outcomes, and the backlog
/// as last sampled. Tags name the message kind, its instance and the server; never a recipient, a subject or a body.
/// </summary>
public static class IntegrationsTelemetry
{
    public const string Name = "AntiDrugFlow.Integrations";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("outbox.messages.delivered", "{message}", "Outbox messages delivered.");

    private static readonly Counter<long> Claims = Meter.CreateCounter<long>("outbox.claims", "{statement}", "Statements that claimed due outbox messages for delivery.");

    private static readonly Counter<long> ClaimedMessages = Meter.CreateCounter<long>("outbox.messages.claimed", "{message}", "Outbox messages claimed for delivery.");

    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("outbox.messages.dead_lettered", "{message}", "Outbox messages given up on after their last attempt or a permanent refusal.");

    private static OutboxBacklog _backlog = OutboxBacklog.Empty;

    private static Scheduling.HangfireJobCounts _jobs = Scheduling.HangfireJobCounts.Empty;

    static IntegrationsTelemetry()
    {
        Meter.CreateObservableGauge("outbox.backlog.size", () => Volatile.Read(ref _backlog).Pending, "{message}", "Outbox messages waiting to be delivered, as last sampled.");
        Meter.CreateObservableGauge("outbox.backlog.oldest_age", () => Volatile.Read(ref _backlog).OldestAge.TotalSeconds, "s", "Age of the oldest outbox message waiting to be delivered, as last sampled.");
        Meter.CreateObservableGauge("hangfire.jobs.succeeded", () => Volatile.Read(ref _jobs).Succeeded, "{job}", "Hangfire jobs succeeded, as Hangfire counts them, as last sampled.");
        Meter.CreateObservableGauge("hangfire.jobs.failed", () => Volatile.Read(ref _jobs).Failed, "{job}", "Hangfire jobs now failed (waiting for a retry from the dashboard), as last sampled.");
    }

    /// <summary>
    /// The span of one delivery attempt, continuing the trace that queued the message (its stored traceparent) on
    /// whichever host delivers it. Without a listener the trace is still continued, by an activity that is not
    /// recorded, as ASP.NET Core does for an incoming request, so outgoing HTTP calls carry the traceparent.
    /// </summary>
    internal static Activity? StartDelivery(OutboxItem item)
    {
        var name = "outbox.deliver " + item.Kind;
        ActivityContext.TryParse(item.TraceParent, null, isRemote: true, out var queuedIn);
        var span = Source.StartActivity(name, ActivityKind.Consumer, queuedIn);
        if (span is null && queuedIn != default)
        {
            return new Activity(name).SetParentId(queuedIn.TraceId, queuedIn.SpanId, queuedIn.TraceFlags).Start();
        }

        if (span is not null)
        {
            span.SetTag("outbox.message.kind", item.Kind);
            span.SetTag("outbox.message.attempt", item.Attempts);
            span.SetTag("workflow.instance.id", item.InstanceId);
        }

        return span;
    }

    internal static Activity? StartSmtpSend(string host, int port)
    {
        var span = Source.StartActivity("smtp.send", ActivityKind.Client);
        if (span is not null)
        {
            span.SetTag("server.address", host);
            span.SetTag("server.port", port);
        }

        return span;
    }

    internal static void MessageDelivered(string kind) => Delivered.Add(1, new KeyValuePair<string, object?>("outbox.message.kind", kind));

    internal static void Claimed(int messages)
    {
        Claims.Add(1);
        ClaimedMessages.Add(messages);
    }

    internal static void MessageDeadLettered(string kind) => DeadLettered.Add(1, new KeyValuePair<string, object?>("outbox.message.kind", kind));

    /// <summary>Keeps the latest sample for the backlog gauges.</summary>
    public static void BacklogSampled(OutboxBacklog backlog) => Volatile.Write(ref _backlog, backlog);

    /// <summary>Keeps the latest sample for the Hangfire job gauges.</summary>
    public static void JobsSampled(Scheduling.HangfireJobCounts counts) => Volatile.Write(ref _jobs, counts);
}
