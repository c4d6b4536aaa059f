using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>The web host in-process on a fresh real database, with background work off so tests drive timers themselves.</summary>
public sealed class ApiFactory(string connectionString, string workflowsDirectory) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:AntiDrugFlow", connectionString);
        builder.UseSetting("BackgroundWork:Enabled", "false");
        builder.UseSetting("Workflows:Directory", workflowsDirectory);
        builder.UseEnvironment("Development");
    }

    public static async Task<ApiFactory> CreateAsync()
    {
        var folder = Directory.CreateTempSubdirectory("adf-api-").FullName;
        return new ApiFactory(await TestPostgres.CreateDatabaseAsync(migrate: false), folder);
    }
}
