using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Browser;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserHost>
{
    public const string Name = "browser";
}

/// <summary>
/// The Host as a real process on a fresh database, with the definitions in Browser/Definitions imported,
/// and Debian's Chromium driven headless by Playwright (whose own browser download is not reachable here).
/// </summary>
public sealed class BrowserHost : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public HostProcess Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The host's database, for arranging what no page or API can produce quickly (a dead letter).</summary>
    public string ConnectionString { get; private set; } = null!;

    public string BaseUrl => $"http://127.0.0.1:{Host.Port}";

    public static string Repository { get; } = Milestones.RepositoryFiles.Root;

    public static string DefinitionsFolder => Path.Combine(Repository, "tests", "AntiDrugFlow.Tests", "Browser", "Definitions");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/install-prerequisites browser (scripts/test does).");
        }

        ConnectionString = await TestPostgres.CreateDatabaseAsync(migrate: false);
        Host = await HostProcess.StartAsync(ConnectionString, new Dictionary<string, string>
        {
            ["Workflows__Directory"] = CollectDefinitions(),
            // The definitions folder is a temporary copy without the milestones, so the shipped catalog is named directly (cycle 2017).
            ["Deadlines__CatalogFile"] = Path.Combine(Repository, "workflows-json", "milestones", "action-plan-2017.json"),
            ["Deadlines__ContactsFile"] = Path.Combine(Repository, "workflows-json", "milestones", "contacts.json"),
        });
        // A first page render warms up the host; Playwright waits for the page instead of the test sleeping.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    /// <summary>Puts a message straight into the outbox as dead-lettered, as if it had used up its retries.</summary>
    public async Task<Guid> AddDeadLetterAsync(string kind, string payloadJson, string lastError)
    {
        var id = Guid.NewGuid();
        await using var engine = new EngineReader(ConnectionString);
        await engine.AddDeadLetterAsync(id, kind, "browser-test:" + id, System.Text.Json.Nodes.JsonNode.Parse(payloadJson)!.AsObject(), lastError);
        return id;
    }

    /// <summary>The test definitions and the shipped tip-off chain, in a folder of their own for the host to import.</summary>
    private static string CollectDefinitions()
    {
        var folder = Directory.CreateTempSubdirectory("adf-browser-definitions-").FullName;
        foreach (var file in Directory.GetFiles(DefinitionsFolder, "*.json").Append(Path.Combine(Repository, "workflows-json", "chains", "tip-off-chain.json")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    /// <summary>A fresh browser profile (no cookies) that a test disposes when it ends.</summary>
    public Task<IBrowserContext> NewContextAsync(string? baseUrl = null) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl ?? BaseUrl,
            Locale = "zh-TW",
            TimezoneId = "Asia/Taipei",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
