using System.Net;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Refit;

namespace AntiDrugFlow.Integrations;

public static class IntegrationsExtensions
{
    /// <summary>The pending-instance runner and outbox delivery (SMTP or pickup folder, HTTP, agency systems); timers are the engine's own pump (AddDeadlines).</summary>
    public static IHostApplicationBuilder AddIntegrations(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<SmtpOptions>(builder.Configuration.GetSection("Smtp"));
        services.AddOutboxDelivery(builder.Configuration);
        if (builder.Configuration.GetValue("BackgroundWork:Enabled", true))
        {
            services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
            services.AddHostedService<PendingInstanceRunner>();
            services.AddHostedService<OutboxBacklogSampler>();
        }

        return builder;
    }

    /// <summary>
    /// The outbox dispatcher and its channels (email, HTTP, events, agency systems), the agency system
    /// clients, callbacks and this module's schema scripts. Not started as a hosted service here.
    /// </summary>
    public static IServiceCollection AddOutboxDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new SchemaScripts(typeof(IntegrationsExtensions).Assembly));
        services.Configure<OutboxOptions>(configuration.GetSection("Outbox"));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEmailSender, SmtpEmailSender>();
        services.AddHttpClient(OutboxDispatcher.HttpClientName);
        services.AddSingleton<IOutboxChannel, EmailChannel>();
        services.AddSingleton<IOutboxChannel, HttpRequestChannel>();
        services.AddSingleton<IOutboxChannel, EventChannel>();
        services.AddSingleton<IOutboxChannel, StartWorkflowChannel>();
        services.AddSingleton<IOutboxChannel, ResumeParentChannel>();
        services.AddSingleton<IOutboxChannel, AgencySystemChannel>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddSingleton<OutboxBacklogMonitor>();

        services.AddAgencyNotices(configuration);
        services.TryAddSingleton<ICallbackReceipts, PostgresCallbackReceipts>();
        // Callbacks check what the calling agency holds against the cases.
        services.TryAddSingleton<AntiDrugFlow.Workflows.Cases.PostgresCaseStore>();
        // A callback's detail is the agency's note: stored encrypted with the case (needs an IPersonalDataProtector).
        services.TryAddSingleton<AntiDrugFlow.Workflows.Cases.CaseNotes>();
        services.AddSingleton<AgencyCallbackReceiver>();
        services.AddAgencySystemClients(configuration);
        return services;
    }

    /// <summary>
    /// The four agency systems as Refit clients: each call is pointed at the agency's address in force,
    /// passes the standard resilience handler (a few quick retries with the same Idempotency-Key, timeouts,
    /// a circuit breaker per agency address) and is signed anew on every attempt. The outbox's own retries
    /// and dead letters decide the long run.
    /// </summary>
    public static IServiceCollection AddAgencySystemClients(this IServiceCollection services, IConfiguration configuration)
    {
        var timeout = configuration.GetValue("AgencySystems:RequestTimeout", TimeSpan.FromSeconds(10));
        services.AddTransient<AgencyAddressHandler>();
        services.AddTransient<AgencySigningHandler>();
        Register<ICampusIncidentReportApi>(services, timeout);
        Register<IPoliceCaseApi>(services, timeout);
        Register<IChildProtectionReportApi>(services, timeout);
        Register<IWebhookApi>(services, timeout);
        services.AddTransient<IAgencySystemClient, CampusIncidentReportClient>();
        services.AddTransient<IAgencySystemClient, PoliceCaseClient>();
        services.AddTransient<IAgencySystemClient, ChildProtectionReportClient>();
        services.AddTransient<IAgencySystemClient, WebhookClient>();
        return services;
    }

    private static void Register<TApi>(IServiceCollection services, TimeSpan timeout)
        where TApi : class
    {
        var client = services.AddRefitGeneratedClient<TApi>(AgencySystemJsonContext.Readable)
            // A placeholder: AgencyAddressHandler puts the agency's own address on each call.
            .ConfigureHttpClient(c => c.BaseAddress = new Uri("http://agency-system.invalid"))
            .AddHttpMessageHandler<AgencyAddressHandler>();
        client.AddStandardResilienceHandler(o =>
            {
                // Within one outbox attempt: two quick retries, all inside the channel's request timeout.
                o.TotalRequestTimeout.Timeout = timeout;
                o.AttemptTimeout.Timeout = timeout / 2;
                o.Retry.MaxRetryAttempts = 2;
                o.Retry.Delay = TimeSpan.FromMilliseconds(200);
                // Only "busy for a moment" answers and lost connections; a 500 or a refusal waits for the outbox's next attempt.
                o.Retry.ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or Polly.Timeout.TimeoutRejectedException } => true,
                    { Result.StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout } => true,
                    _ => false,
                });
                o.CircuitBreaker.SamplingDuration = timeout * 3;
                o.CircuitBreaker.MinimumThroughput = 10;
                o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
            })
            .SelectPipelineByAuthority();
        // Inside the resilience handler, so each attempt gets its own timestamp and signature.
        client.AddHttpMessageHandler<AgencySigningHandler>();
    }
}
