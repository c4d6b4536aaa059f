using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Authorization;

namespace AntiDrugFlow.Host.Access;

/// <summary>Authorization policies of the API, by role. Use with <c>RequireAuthorization(Policies.X)</c>.</summary>
public static class Policies
{
    /// <summary>Administrators only: users, audit log.</summary>
    public const string Administrator = "administrator";

    /// <summary>Anyone who works cases for an agency: every role except a bare administrator.</summary>
    public const string CaseWorker = "case-worker";

    /// <summary>Those who start a notification: school staff, police, military and prosecutor liaisons.</summary>
    public const string NotificationStarter = "notification-starter";

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
        [RoleNames.SchoolStaff, RoleNames.PoliceOfficer, RoleNames.MilitaryLiaison, RoleNames.ProsecutorLiaison];

    internal static void Add(AuthorizationOptions options, bool requireLogin)
    {
        options.AddPolicy(Administrator, p => p.RequireAuthenticatedUser().RequireRole(RoleNames.Administrator));
        options.AddPolicy(CaseWorker, p => p.RequireAuthenticatedUser().RequireRole(CaseWorkerRoles));
        options.AddPolicy(NotificationStarter, p => p.RequireAuthenticatedUser().RequireRole(NotificationStarterRoles));
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
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
