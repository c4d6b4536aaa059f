namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>The directory in force and the stored version it came from (null: the data files, or built in code).</summary>
public sealed record LoadedAgencyDirectory(AgencyDirectory Directory, long? Version);

/// <summary>
/// The directory in force. The host loads it at start (the latest imported version, else
/// workflows-json/agencies); an administrator's import replaces it as a whole, so readers always see
/// one consistent directory.
/// </summary>
public sealed class AgencyDirectoryProvider
{
    private LoadedAgencyDirectory? _loaded;

    /// <summary>A provider the host fills once the database is ready (<see cref="AgencyDirectoryLoader"/>).</summary>
    public AgencyDirectoryProvider()
    {
    }

    public AgencyDirectoryProvider(AgencyDirectory initial) => _loaded = new LoadedAgencyDirectory(initial, null);

    public LoadedAgencyDirectory Loaded =>
        Volatile.Read(ref _loaded) ?? throw new InvalidOperationException("The agency directory is not loaded yet: the host loads it after applying the schema scripts.");

    public bool IsLoaded => Volatile.Read(ref _loaded) is not null;

    public AgencyDirectory Current => Loaded.Directory;

    /// <summary>The stored version in force, or null when the directory came from the data files.</summary>
    public long? Version => Loaded.Version;

    /// <summary>Puts a directory in force whatever was there (start-up, tests).</summary>
    public void Replace(AgencyDirectory directory, long? version = null) =>
        Volatile.Write(ref _loaded, new LoadedAgencyDirectory(directory, version));

    /// <summary>
    /// Puts a stored version in force unless a newer one already is, so that a slow refresh never
    /// undoes an import that finished meanwhile. True when it replaced the directory.
    /// </summary>
    public bool ReplaceWithNewer(AgencyDirectory directory, long version)
    {
        var next = new LoadedAgencyDirectory(directory, version);
        while (true)
        {
            var current = Volatile.Read(ref _loaded);
            if (current?.Version >= version)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _loaded, next, current) == current)
            {
                return true;
            }
        }
    }
}
