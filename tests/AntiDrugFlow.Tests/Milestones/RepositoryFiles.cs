namespace AntiDrugFlow.Tests.Milestones;

/// <summary>Finds files of the repository from the test's output folder, wherever the build put it.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string ActionPlan2017 => Path.Combine(Root, "workflows-json", "milestones", "action-plan-2017.json");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AntiDrugFlow.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No AntiDrugFlow.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A scratch file that is removed when the test ends.</summary>
internal sealed class TemporaryFile : IDisposable
{
    public TemporaryFile(string contents)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"milestones-{Guid.NewGuid():N}.json");
        File.WriteAllText(Path, contents);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
