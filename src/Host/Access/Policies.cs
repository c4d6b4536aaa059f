using AntiDrugFlow.Workflows.Access;
using System.Security.Claims;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Cases;
using Microsoft.AspNetCore.Authorization;

namespace AntiDrugFlow.Host.Access;

/// <summary>Authorization policies of the API, by role. Use with <c>RequireAuthorization(Policies.X)</c>.</summary>
public static class Policies
{
    /// <summary>Administrators only: users, audit log.</summary>
    public const string Administrator = "administrator";

    /// <summary>Anyone who works cases for an agency: every role except a bare administrator.</summary>
    public const string CaseWorker = "case-worker";

    /// <summary>Those whose role may start some kind of notification (<see cref="CaseKinds"/> says which kind, from which agency).</summary>
    public const string NotificationStarter = "notification-starter";

    /// <summary>Users of a level 1 (central) agency, such as 教育部 or 警政署, and administrators: the national statistics.</summary>
    public const string CentralAgency = "central-agency";

    /// <summary>Any signed-in user.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>
    /// The engine's own endpoints (definitions, instances, events, tasks): administrators, unless
    /// Security:RequireLogin is false, which the engine's tests and tools use.
    /// </summary>
    public const string EngineAdministration = "engine-administration";

    public static readonly IReadOnlyList<string> CaseWorkerRoles =
        [RoleNames.SchoolStaff, RoleNames.PoliceOfficer, RoleNames.LiaisonOfficer, RoleNames.SocialWorker, RoleNames.MilitaryLiaison, RoleNames.ProsecutorLiaison];

    public static readonly IReadOnlyList<string> NotificationStarterRoles =
        [.. CaseKinds.All.SelectMany(k => k.StartedBy).Distinct(StringComparer.Ordinal)];

    internal static void Add(AuthorizationOptions options, bool requireLogin)
    {
        options.AddPolicy(Administrator, p => p.RequireAuthenticatedUser().RequireRole(RoleNames.Administrator));
        options.AddPolicy(CaseWorker, p => p.RequireAuthenticatedUser().RequireRole(CaseWorkerRoles));
        options.AddPolicy(NotificationStarter, p => p.RequireAuthenticatedUser().RequireRole(NotificationStarterRoles));
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
        options.AddPolicy(CentralAgency, p => p.RequireAuthenticatedUser().AddRequirements(new CentralAgencyRequirement()));
        options.AddPolicy(EngineAdministration, p =>
        {
            if (requireLogin)
            {
                p.RequireAuthenticatedUser().RequireRole(RoleNames.Administrator);
            }
            else
            {
                p.RequireAssertion(_ => true);
            }
        });
    }
}

/// <summary>The user's agency sits at level 1 of the directory in force (or the user is an administrator).</summary>
public sealed class CentralAgencyRequirement : IAuthorizationRequirement;

public sealed class CentralAgencyHandler(AgencyDirectoryProvider agencies) : AuthorizationHandler<CentralAgencyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CentralAgencyRequirement requirement)
    {
        // The directory, not the cookie, says where an agency sits, so a directory import takes effect at once.
        if (context.User.IsInRole(RoleNames.Administrator)
            || (context.User.FindFirstValue(AccountClaims.AgencyId) is { } agencyId && agencies.Current.TryGet(agencyId, out var agency) && agency.Level == 1))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
