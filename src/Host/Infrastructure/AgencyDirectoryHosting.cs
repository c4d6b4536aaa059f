using AntiDrugFlow.Workflows.Agencies;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>
/// The agency directory in this host: a provider filled once the schema is in place (the latest
/// imported version, else the files of <c>Agencies:Directory</c>, by default workflows-json/agencies),
/// the import, and a check every <c>Agencies:RefreshSeconds</c> (default 30) for a version another host imported.
/// </summary>
public static class AgencyDirectoryHosting
{
    public static WebApplicationBuilder AddAgencyDirectory(this WebApplicationBuilder builder, out AgencyDirectoryProvider provider)
    {
        provider = new AgencyDirectoryProvider();
        builder.Services.AddSingleton(provider);
        builder.Services.AddSingleton<PostgresAgencyDirectoryStore>();
        builder.Services.AddSingleton<AgencyDirectoryLoader>();
        builder.Services.AddSingleton<AgencyDirectoryImport>();
        if (builder.Configuration.GetValue("BackgroundWork:Enabled", true))
        {
            builder.Services.AddHostedService<AgencyDirectoryRefresher>();
        }

        return builder;
    }

    /// <summary>Puts the directory in force; runs after the schema scripts, before the host serves anything.</summary>
    public static Task LoadAgencyDirectoryAsync(this WebApplication app, CancellationToken cancellationToken) =>
        app.Services.GetRequiredService<AgencyDirectoryLoader>().LoadAtStartAsync(DataFolder(app.Configuration), cancellationToken);

    public static string DataFolder(IConfiguration configuration) =>
        configuration["Agencies:Directory"] ?? Path.Combine(ProjectPaths.WorkflowsDirectory(), "agencies");
}

/// <summary>
/// Hosts sharing the database see each other's imports by polling the latest version number (one
/// indexed max() a period); a newer version is loaded and put in force. Polling keeps every host alike
/// and needs no connection held open for LISTEN.
/// </summary>
public sealed class AgencyDirectoryRefresher(AgencyDirectoryLoader loader, IConfiguration configuration, TimeProvider time, ILogger<AgencyDirectoryRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue("Agencies:RefreshSeconds", 30));
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await loader.RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or AgencyImportException)
                {
                    logger.LogError(e, "Could not load the latest agency directory version; the one in force stays");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
