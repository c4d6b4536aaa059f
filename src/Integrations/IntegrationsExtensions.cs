using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Integrations.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AntiDrugFlow.Integrations;

public static class IntegrationsExtensions
{
    /// <summary>The pending-instance runner and outbox delivery (SMTP or pickup folder, HTTP); timers are Quartz's (AddDeadlines).</summary>
    public static IHostApplicationBuilder AddIntegrations(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<SmtpOptions>(builder.Configuration.GetSection("Smtp"));
        services.Configure<OutboxOptions>(builder.Configuration.GetSection("Outbox"));
        services.Configure<SchedulerOptions>(builder.Configuration.GetSection("Scheduler"));
        services.AddSingleton<IEmailSender, SmtpEmailSender>();
        services.AddHttpClient(OutboxDispatcher.HttpClientName);
        services.AddSingleton<PostgresOutboxStore>();
        services.AddSingleton<OutboxDispatcher>();
        if (builder.Configuration.GetValue("BackgroundWork:Enabled", true))
        {
            services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
            services.AddHostedService<PendingInstanceRunner>();
        }

        return builder;
    }
}
