using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Persistence;
using Microsoft.AspNetCore.Identity;

namespace AntiDrugFlow.Host.Cli;

/// <summary>
/// <c>accounts create-admin NAME [--agency ID]</c>: the first administrator of a database without demo accounts.
/// The password comes from the environment variable <see cref="PasswordVariable"/> or the first line of standard
/// input, never from an argument (arguments show in process lists and shell history), and passes the password policy.
/// </summary>
public static class CreateAdministratorCommand
{
    public const string PasswordVariable = "ANTIDRUGFLOW_ADMIN_PASSWORD";

    /// <summary>The agency of the administrator when none is named: the Ministry of Education's 學生事務及特殊教育司.</summary>
    public const string DefaultAgency = "moe-sse";

    public static async Task<int> RunAsync(string userName, string agencyId, TextReader stdin, TextWriter stdout, TextWriter stderr, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var password = configuration[PasswordVariable];
        if (string.IsNullOrEmpty(password))
        {
            password = await stdin.ReadLineAsync(cancellationToken);
        }

        if (string.IsNullOrEmpty(password))
        {
            await stderr.WriteLineAsync($"the password is read from {PasswordVariable} or the first line of standard input; neither had one");
            return CommandLine.Usage;
        }

        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Configuration["Demo:SeedAccounts"] = "false";
        builder.Configuration["BackgroundWork:Enabled"] = "false";
        await builder.AddAntiDrugFlowAsync();
        await using var app = builder.Build();
        try
        {
            await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
            await app.LoadAgencyDirectoryAsync(cancellationToken);
            if (!app.Services.GetRequiredService<AgencyDirectoryProvider>().Current.TryGet(agencyId, out var agency))
            {
                await stderr.WriteLineAsync($"agency '{agencyId}' is not in the directory");
                return CommandLine.Usage;
            }

            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
            if ((await users.GetUsersInRoleAsync(RoleNames.Administrator)).Count > 0)
            {
                await stderr.WriteLineAsync("an administrator exists already: further accounts are made in the web pages (/admin/users)");
                return CommandLine.Failed;
            }

            var account = new Account { UserName = userName, AgencyId = agency.Id, DisplayName = $"{agency.Name} {RoleNames.DisplayName(RoleNames.Administrator)}" };
            account.Roles.Add(RoleNames.Administrator);
            var time = app.Services.GetRequiredService<TimeProvider>();
            account.PendingAudit.Add(new AuditEntry(time.GetUtcNow(), Actor.System.UserId, Actor.System.AgencyId, PostgresAuditLog.Actions.UserCreated, null, AccountAdministration.AuditDetails(account, "command line")));
            var created = await users.CreateAsync(account, password);
            if (!created.Succeeded)
            {
                foreach (var error in created.Errors)
                {
                    await stderr.WriteLineAsync($"{error.Description} [{error.Code}]");
                }

                return CommandLine.Failed;
            }

            await stdout.WriteLineAsync($"administrator '{userName}' created in agency {agency.Id}");
            return CommandLine.Ok;
        }
        finally
        {
            if (app.Services.GetService<EmbeddedPostgresCluster>() is { } embedded)
            {
                await embedded.StopAsync(cancellationToken);
            }
        }
    }
}
