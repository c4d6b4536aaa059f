using System.Collections;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Host.Diagnostics;
using AntiDrugFlow.Integrations.Diagnostics;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Diagnostics;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using Xunit;

namespace AntiDrugFlow.Tests.Service;

/// <summary>
/// The host's OpenTelemetry traces, metrics and logs, caught by in-memory exporters while a school files a tip-off
/// through the API and the outbox mails the station through a real SMTP server.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    // A made-up minor that must appear in no span, no metric tag and no log line.
    private const string Name = "林小華";
    private const string Masked = "林○○";
    private const string ClassName = "二年五班";
    private readonly Collected<Activity> _spans = new();
    private readonly Collected<LogRecord> _logs = new();
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync(
        new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Debug" },
        s => s.AddOpenTelemetry().WithTracing(t => t.AddAntiDrugFlowTracing().AddInMemoryExporter(_spans)).WithLogging(l => l.AddInMemoryExporter(_logs)));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_tip_off_is_traced_from_the_request_through_the_engine_and_the_outbox_to_SMTP_with_no_personal_data_in_any_span()
    {
        var started = new List<string>();
        using var meters = Listen("workflow.instances.started", (_, tags) => started.Add((string)tags["workflow.definition.id"]!));

        var request = await FileTipOffAsync();
        await _host.DeliverAsync();
        Assert.NotEmpty(_host.Smtp.Messages());

        var spans = _spans.Snapshot();
        var trace = spans.Where(s => s.TraceId == request.TraceId).ToList();
        var step = Assert.Single(trace, s => s.OperationName == "workflow.step start" && s.Source.Name == EngineTelemetry.Name);
        var instanceId = Assert.IsType<string>(step.GetTagItem("workflow.instance.id"));
        var definitionId = Assert.IsType<string>(step.GetTagItem("workflow.definition.id"));
        Assert.NotNull(step.GetTagItem("workflow.definition.version"));
        // A span per activity of the step, each naming its type, inside the request's trace.
        var activities = trace.Where(s => s.ParentSpanId == step.SpanId && s.OperationName.StartsWith("workflow.activity ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(activities);
        Assert.All(activities, a => Assert.Equal((instanceId, a.OperationName["workflow.activity ".Length..]), (a.GetTagItem("workflow.instance.id"), a.GetTagItem("workflow.activity.type"))));
        Assert.Contains(trace, s => s.Source.Name == "Npgsql");
        Assert.Contains(definitionId, started);

        // Each mail's SMTP conversation (spans are heard process-wide: this test's server tells its own apart), inside
        // the outbox's delivery, which names the instance that queued it.
        var conversations = spans.Where(s => s.OperationName == "smtp.send" && s.GetTagItem("server.port") is int port && port == _host.Smtp.Port).ToList();
        Assert.Equal(_host.Smtp.Messages().Count, conversations.Count);
        Assert.All(conversations, c => Assert.Equal("127.0.0.1", c.GetTagItem("server.address")));
        var deliveries = conversations.Select(c => Assert.Single(spans, d => d.SpanId == c.ParentSpanId && d.OperationName == "outbox.deliver email")).ToList();
        Assert.Contains(deliveries, d => (string?)d.GetTagItem("workflow.instance.id") == instanceId);

        foreach (var span in spans)
        {
            var text = string.Join('\n', new[] { span.DisplayName, span.StatusDescription ?? string.Empty }
                .Concat(span.TagObjects.Select(t => $"{t.Key}={t.Value}"))
                .Concat(span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name} {t.Key}={t.Value}")))
                .Concat(span.Baggage.Select(b => $"{b.Key}={b.Value}")));
            Assert.DoesNotContain(Name, text);
            Assert.DoesNotContain(Masked, text);
            Assert.DoesNotContain(ClassName, text);
        }
    }

    [Fact]
    public async Task Deliveries_queued_by_a_request_keep_its_traceparent_in_the_outbox_continue_its_trace_and_the_agency_call_carries_it()
    {
        // The school's campus incident report goes to its system: a loopback agency.
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        var directory = _host.Factory.Services.GetRequiredService<AgencyDirectoryProvider>();
        directory.Replace(AgencyDirectory.Create(directory.Current.Agencies.Select(a => a.Id == "kee-sch-chenggong-jh"
            ? a with { Endpoints = new Dictionary<string, string>(a.Endpoints) { ["campus-incident-report"] = agency.Endpoint("/reports").ToString() } }
            : a)));

        var request = await FileTipOffAsync();
        var instanceId = Assert.Single(await _host.InstancesAsync(new InstanceFilter("tip-off-chain"))).Id;
        var queued = await _host.OutboxAsync(new OutboxFilter(InstanceId: instanceId));
        Assert.Contains(queued, m => m.Kind == OutboxKinds.Email);
        Assert.Contains(queued, m => m.Kind == OutboxKinds.Http);
        var traceParent = $"00-{request.TraceId.ToHexString()}-";
        Assert.All(queued, m => Assert.StartsWith(traceParent, m.TraceParent, StringComparison.Ordinal));

        await _host.DeliverAsync();

        // Each delivery is a span of the request's trace, under the span that queued it.
        var spans = _spans.Snapshot();
        var deliveries = spans.Where(s => s.OperationName.StartsWith("outbox.deliver ", StringComparison.Ordinal) && (string?)s.GetTagItem("workflow.instance.id") == instanceId).ToList();
        Assert.Equal(queued.Count, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(request.TraceId, d.TraceId));
        Assert.All(deliveries, d => Assert.Contains(queued, m => m.TraceParent!.Contains(d.ParentSpanId.ToHexString(), StringComparison.Ordinal)));
        // The agency's system is called inside that trace, so its own traces join it.
        var call = Assert.Single(agency.Accepted);
        Assert.StartsWith(traceParent, call.Header("traceparent"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_records_written_during_a_request_carry_its_trace_id_and_no_log_line_names_the_minor()
    {
        var request = await FileTipOffAsync();
        await _host.DeliverAsync();
        Assert.NotEmpty(_host.Smtp.Messages());

        var records = _logs.Snapshot();
        Assert.Contains(records, r => r.TraceId == request.TraceId && r.SpanId != default);
        // The debug level lets through far more than production writes; none of it may name the minor.
        Assert.True(_host.Logs.Count > 50, $"only {_host.Logs.Count} log lines were written");
        foreach (var line in _host.Logs.Concat(records.Select(r => $"{r.FormattedMessage} {r.Body} {string.Join(' ', r.Attributes ?? [])}")))
        {
            Assert.DoesNotContain(Name, line);
            Assert.DoesNotContain(Masked, line);
            Assert.DoesNotContain(ClassName, line);
        }
    }

    /// <summary>
    /// Files a tip-off naming the minor and returns the server span of that request. Spans are heard process-wide and
    /// other tests file notifications too: the request carries a trace id of its own, by which its span is found.
    /// </summary>
    private async Task<Activity> FileTipOffAsync()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var traceId = ActivityTraceId.CreateRandom();
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/notifications")
        {
            Content = JsonContent.Create(new { kind = "DrugSource", urgent = true, drugLevel = 2, subjectName = Name, subjectClass = ClassName }),
        };
        message.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var created = await school.SendAsync(message);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Activity? request = null;
        await Eventually.TrueAsync(
            () => Task.FromResult((request = _spans.Snapshot().SingleOrDefault(s => s.Kind == ActivityKind.Server && s.TraceId == traceId)) is not null),
            "the request's server span to be exported");
        Assert.Equal("/api/notifications", request!.GetTagItem("http.route"));
        return request;
    }

    private static MeterListener Listen(string instrument, Action<long, Dictionary<string, object?>> measured)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name is EngineTelemetry.Name or IntegrationsTelemetry.Name && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (listener)
            {
                measured(value, copy);
            }
        });
        listener.Start();
        return listener;
    }

    /// <summary>What an exporter collects from several threads, read as a snapshot.</summary>
    private sealed class Collected<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public List<T> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item) => Snapshot().Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(T item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
