using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>
/// The web host in-process on a fresh real database, with background work off so tests drive timers
/// themselves. Login is not required, sign-ins are not rate-limited and no demo accounts are seeded unless a test's settings say so.
/// </summary>
public sealed class ApiFactory(string connectionString, string workflowsDirectory, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    public string ConnectionString { get; } = connectionString;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:AntiDrugFlow", ConnectionString);
        builder.UseSetting("BackgroundWork:Enabled", "false");
        builder.UseSetting("Workflows:Directory", workflowsDirectory);
        builder.UseSetting("Security:RequireLogin", "false");
        builder.UseSetting("Demo:SeedAccounts", "false");
        // The keys stay in the test database unencrypted (KeyEncryptionTests covers the certificate and the refusal).
        builder.UseSetting("DataProtection:AllowUnencryptedKeys", "true");
        // All test clients come from one address; a test of the login limit sets its own.
        builder.UseSetting("Security:LoginAttemptsPerMinute", "0");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Development");
    }

    /// <param name="connectionString">A database of the test's own; empty means a fresh one on the shared test cluster.</param>
    public static async Task<ApiFactory> CreateAsync(IReadOnlyDictionary<string, string>? settings = null, string? connectionString = null)
    {
        var folder = Directory.CreateTempSubdirectory("adf-api-").FullName;
        return new ApiFactory(connectionString ?? await TestPostgres.CreateDatabaseAsync(migrate: false), folder, settings);
    }
}
