using Microsoft.Extensions.Logging;

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>
/// Puts the stored directory in force: at start the latest imported version, or the data files when
/// nothing was ever imported; afterwards, a newer version another host imported (the host checks
/// every so often, see <c>Agencies:RefreshSeconds</c>).
/// </summary>
public sealed class AgencyDirectoryLoader(PostgresAgencyDirectoryStore store, AgencyDirectoryProvider provider, ILogger<AgencyDirectoryLoader> logger)
{
    public async Task LoadAtStartAsync(string dataFolder, CancellationToken cancellationToken)
    {
        if (await store.LatestVersionAsync(cancellationToken) is { } version)
        {
            provider.Replace(await store.LoadAsync(version, cancellationToken), version);
            logger.LogInformation("Agency directory: stored version {Version}, {Count} agencies", version, provider.Current.Count);
            return;
        }

        provider.Replace(await new AgencyDirectoryImporter().ImportFolderAsync(dataFolder, cancellationToken));
        logger.LogInformation("Agency directory: {Count} agencies from {Folder} (none imported yet)", provider.Current.Count, dataFolder);
    }

    /// <summary>Loads the latest stored version when it is newer than the one in force. True when the directory changed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (await store.LatestVersionAsync(cancellationToken) is not { } latest || latest <= (provider.IsLoaded ? provider.Version ?? 0 : 0))
        {
            return false;
        }

        var replaced = provider.ReplaceWithNewer(await store.LoadAsync(latest, cancellationToken), latest);
        if (replaced)
        {
            logger.LogInformation("Agency directory: version {Version} imported elsewhere is now in force", latest);
        }

        return replaced;
    }
}
