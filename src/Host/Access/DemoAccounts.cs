using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Host.Access;

/// <summary>Configuration section "Demo".</summary>
public sealed class DemoOptions
{
    /// <summary>The documented default; set Demo:Password to change it before the first start.</summary>
    public const string DefaultPassword = "AntiDrugDemo2026";

    /// <summary>Seed the demo accounts at start (Demo:SeedAccounts; by default only on the embedded database).</summary>
    public bool SeedAccounts { get; set; }

    /// <summary>The one password every demo account gets when it is created.</summary>
    public string Password { get; set; } = DefaultPassword;
}

/// <summary>One demo account: named by role and agency, never after a person.</summary>
public sealed record DemoAccount(string UserName, string AgencyId, string Role);

/// <summary>
/// Demo accounts for the two detailed counties (基隆市, 嘉義市): schools and the 派出所 they report
/// to, another 派出所, a 分局, the county's 校外會／聯絡處, 少年警察隊, 社會處, 少輔會, 地檢署 and
/// 憲兵隊, a military school with its 憲兵隊, 教育部 and 警政署 at level 1, and an administrator.
/// </summary>
public static class DemoAccounts
{
    public static IReadOnlyList<DemoAccount> All { get; } =
    [
        new("school.kl-chenggong-jh", "kee-sch-chenggong-jh", RoleNames.SchoolStaff),
        new("school.kl-xinyi-jh", "kee-sch-xinyi-jh", RoleNames.SchoolStaff),
        new("school.kl-anle-sh", "kee-sch-anle-sh", RoleNames.SchoolStaff),
        new("police.kl-zhong-er-rd", "kee-p1-zhong-er-rd", RoleNames.PoliceOfficer),
        new("police.kl-xinyi", "kee-p2-xinyi", RoleNames.PoliceOfficer),
        new("police.kl-anle", "kee-p4-anle", RoleNames.PoliceOfficer),
        new("police.kl-nanrong-rd", "kee-p1-nanrong-rd", RoleNames.PoliceOfficer),
        new("police.kl-precinct-1", "kee-p1", RoleNames.PoliceOfficer),
        // The 分局 that police.kl-xinyi's overdue tasks escalate to, so an escalation can be watched arriving.
        new("police.kl-precinct-2", "kee-p2", RoleNames.PoliceOfficer),
        new("police.kl-precinct-4", "kee-p4", RoleNames.PoliceOfficer),
        new("liaison.kl", "kee-liaison", RoleNames.LiaisonOfficer),
        new("juvenile-police.kl", "kee-juvenile-police", RoleNames.PoliceOfficer),
        new("social.kl", "kee-social", RoleNames.SocialWorker),
        new("counselling.kl", "kee-counselling", RoleNames.SocialWorker),
        new("prosecutor.kl", "pros-keelung", RoleNames.ProsecutorLiaison),
        new("military.kl-mp", "mp-keelung", RoleNames.MilitaryLiaison),
        new("school.cy-beixing-jh", "cyi-sch-beixing-jh", RoleNames.SchoolStaff),
        new("school.cy-yushan-jh", "cyi-sch-yushan-jh", RoleNames.SchoolStaff),
        new("school.cy-chiayi-sh", "cyi-sch-chiayi-sh", RoleNames.SchoolStaff),
        new("police.cy-beixing", "cyi-p1-beixing", RoleNames.PoliceOfficer),
        new("police.cy-xingan", "cyi-p2-xingan", RoleNames.PoliceOfficer),
        new("police.cy-houhu", "cyi-p2-houhu", RoleNames.PoliceOfficer),
        new("police.cy-zhuyuan", "cyi-p1-zhuyuan", RoleNames.PoliceOfficer),
        new("police.cy-precinct-1", "cyi-p1", RoleNames.PoliceOfficer),
        new("police.cy-precinct-2", "cyi-p2", RoleNames.PoliceOfficer),
        new("liaison.cy", "cyi-liaison", RoleNames.LiaisonOfficer),
        new("juvenile-police.cy", "cyi-juvenile-police", RoleNames.PoliceOfficer),
        new("social.cy", "cyi-social", RoleNames.SocialWorker),
        new("counselling.cy", "cyi-counselling", RoleNames.SocialWorker),
        new("prosecutor.cy", "pros-chiayi", RoleNames.ProsecutorLiaison),
        new("military.cy-mp", "mp-chiayi", RoleNames.MilitaryLiaison),
        // No military school sits in either detailed county; this one and its 憲兵隊 show the 憲兵隊 ↔ 軍事院校 path.
        new("military.army-academy", "mil-army-academy", RoleNames.MilitaryLiaison),
        new("military.kh-mp", "mp-kaohsiung", RoleNames.MilitaryLiaison),
        // Level 1 sees the national statistics, not people.
        new("liaison.moe", "moe-sse", RoleNames.LiaisonOfficer),
        new("police.npa", "npa", RoleNames.PoliceOfficer),
        new("admin", "moe-sse", RoleNames.Administrator),
    ];
}

public sealed record DemoSeedResult(IReadOnlyList<string> Created, IReadOnlyList<string> AlreadyThere, IReadOnlyList<string> Skipped);

/// <summary>
/// Creates the demo accounts that are missing and leaves existing ones alone, so it can run at
/// every start. It runs as a hosted service, after the schema scripts have been applied.
/// </summary>
public sealed class DemoAccountSeeder(
    IServiceScopeFactory scopes, AgencyDirectoryProvider agencies, TimeProvider time,
    IOptions<DemoOptions> options, IConfiguration configuration, ILogger<DemoAccountSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var result = await SeedAsync(cancellationToken);
        var passwordSource = configuration["Demo:Password"] is null
            ? $"the default \"{DemoOptions.DefaultPassword}\" documented in README.md (set Demo:Password to change it)"
            : "the configuration value Demo:Password";
        logger.LogInformation(
            "Demo accounts: {Created} created, {Existing} already there. Sign in at POST /api/account/login with one of: {UserNames}. Password: {PasswordSource}. Turn seeding off with Demo:SeedAccounts=false.",
            result.Created.Count, result.AlreadyThere.Count, string.Join(", ", result.Created.Concat(result.AlreadyThere).Order(StringComparer.Ordinal)), passwordSource);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<DemoSeedResult> SeedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
        var created = new List<string>();
        var existing = new List<string>();
        var skipped = new List<string>();
        foreach (var demo in DemoAccounts.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await users.FindByNameAsync(demo.UserName) is not null)
            {
                existing.Add(demo.UserName);
                continue;
            }

            if (!agencies.Current.TryGet(demo.AgencyId, out var agency))
            {
                logger.LogWarning("Demo account {UserName} skipped: agency {AgencyId} is not in the directory", demo.UserName, demo.AgencyId);
                skipped.Add(demo.UserName);
                continue;
            }

            // A post, not a person: 「基隆市校外會 校外會／聯絡處人員（示範）」.
            var account = new Account { UserName = demo.UserName, AgencyId = demo.AgencyId, DisplayName = $"{agency.Name} {RoleNames.DisplayName(demo.Role)}（示範）" };
            account.Roles.Add(demo.Role);
            account.PendingAudit.Add(new AuditEntry(time.GetUtcNow(), Actor.System.UserId, Actor.System.AgencyId, PostgresAuditLog.Actions.UserCreated, null, AccountAdministration.AuditDetails(account, "demo")));
            var result = await users.CreateAsync(account, options.Value.Password);
            if (result.Succeeded)
            {
                created.Add(demo.UserName);
            }
            else if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName)))
            {
                // Another host seeding at the same moment won the race.
                existing.Add(demo.UserName);
            }
            else
            {
                throw new InvalidOperationException($"Demo account {demo.UserName} could not be created: {string.Join(" ", result.Errors.Select(e => e.Code))}");
            }
        }

        return new DemoSeedResult(created, existing, skipped);
    }
}
