using AntiDrugFlow.Workflows.Agencies;
using Xunit;

namespace AntiDrugFlow.Tests.Agencies;

/// <summary>Finds the repository's data and fixtures from the test binaries' folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string AgencyData => Path.Combine(Root, "workflows-json", "agencies");

    public static string Fixture(string name) => Path.Combine(Root, "tests", "AntiDrugFlow.Tests", "Agencies", "Fixtures", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AntiDrugFlow.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"AntiDrugFlow.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>The shipped directory, loaded once for all tests that only read it.</summary>
public sealed class ShippedDirectoryFixture : IAsyncLifetime
{
    public AgencyDirectory Directory { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Directory = await new AgencyDirectoryImporter().ImportFolderAsync(RepositoryPaths.AgencyData, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;
}
