using Xunit;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("AntiDrugFlow.Tests.Infrastructure.LongCollectionsFirst", "AntiDrugFlow.Tests")]

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>
/// Starts the collections that run longest one after another first. The runner keeps as many collections running as the
/// machine has cores and a collection's tests run one at a time, so a long collection started late is the whole run's
/// tail: the two shared browser hosts' collections (about 7 and 3 minutes on a two-core machine) started after six
/// and a half minutes of short tests, and the tests took 18 min 30 s; started first, 15–17 minutes. Then the classes
/// that start host processes or a browser of their own; then the rest in the runner's own order.
/// </summary>
public sealed class LongCollectionsFirst : ITestCollectionOrderer
{
    private static readonly string[] LongNamespaces = [".Browser.", ".Service."];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(collection => collection.UniqueID);

    /// <summary>0: a named collection sharing a host (a browser's); 1: a class of its own in a long namespace; 2: the rest.</summary>
    public static int Rank(ITestCollection collection) =>
        collection.CollectionDefinition is not null ? 0
        : LongNamespaces.Any(name => collection.DisplayName.Contains(name, StringComparison.Ordinal)) ? 1
        : 2;
}
