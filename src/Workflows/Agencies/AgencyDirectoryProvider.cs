namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>
/// The directory in force. Loaded from workflows-json/agencies at start; an administrator's import
/// replaces it as a whole, so readers always see one consistent directory.
/// </summary>
public sealed class AgencyDirectoryProvider(AgencyDirectory initial)
{
    private AgencyDirectory _current = initial;

    public AgencyDirectory Current => Volatile.Read(ref _current);

    public void Replace(AgencyDirectory directory) => Volatile.Write(ref _current, directory);
}
