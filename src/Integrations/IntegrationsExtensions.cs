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
        services.AddSingleton<IOutboxChannel, AgencySystemChannel>();
        services.AddSingleton<OutboxDispatcher>();

        services.AddAgencyNotices(configuration);
        services.TryAddSingleton<ICallbackReceipts, PostgresCallbackReceipts>();
        // Callbacks check what the calling agency holds against the cases.
        services.TryAddSingleton<AntiDrugFlow.Workflows.Cases.PostgresCaseStore>();
        services.AddSingleton<AgencyCallbackReceiver>();
        // The outbox owns retries; the clients' own timeout is only a backstop behind the channel's.
        var backstop = configuration.GetValue("AgencySystems:RequestTimeout", TimeSpan.FromSeconds(10)) * 2;
        services.AddHttpClient<CampusIncidentReportClient>(c => c.Timeout = backstop);
        services.AddHttpClient<PoliceCaseClient>(c => c.Timeout = backstop);
        services.AddHttpClient<ChildProtectionReportClient>(c => c.Timeout = backstop);
        services.AddHttpClient<WebhookClient>(c => c.Timeout = backstop);
        services.AddTransient<IAgencySystemClient>(sp => sp.GetRequiredService<CampusIncidentReportClient>());
        services.AddTransient<IAgencySystemClient>(sp => sp.GetRequiredService<PoliceCaseClient>());
        services.AddTransient<IAgencySystemClient>(sp => sp.GetRequiredService<ChildProtectionReportClient>());
        services.AddTransient<IAgencySystemClient>(sp => sp.GetRequiredService<WebhookClient>());
        return services;
    }
}
