namespace AntiDrugFlow.Host.Health;

/// <summary>What start-up has finished, for the readiness checks.</summary>
public sealed class StartupProgress
{
    private volatile bool _definitionsLoaded;

    /// <summary>The definition folder's import has run (whatever it refused is in the log and on the definitions page).</summary>
    public bool DefinitionsLoaded => _definitionsLoaded;

    public void MarkDefinitionsLoaded() => _definitionsLoaded = true;
}
