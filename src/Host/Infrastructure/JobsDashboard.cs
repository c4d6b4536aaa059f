using System.Globalization;
using AntiDrugFlow.Workflows.Access;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>
/// Hangfire's dashboard at <see cref="Path"/>: the reminders, digests and long operations as jobs, with 「立即執行」 and
/// retry. Administrators only, signed in through the site's own sign-in; its actions are posts that carry the site's
/// antiforgery token (Hangfire checks it when antiforgery is registered); its texts in Traditional Chinese where
/// Hangfire has them.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/admin/jobs";

    private static readonly CultureInfo Chinese = CultureInfo.GetCultureInfo("zh-TW");

    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Path, StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (context, next) =>
        {
            // Signed out: the site's sign-in page, then back here. Signed in without the role: the filter answers 403.
            if (context.User.Identity?.IsAuthenticated != true)
            {
                await context.ChallengeAsync();
                return;
            }

            CultureInfo.CurrentCulture = Chinese;
            CultureInfo.CurrentUICulture = Chinese;
            await next(context);
        }));
        app.UseHangfireDashboard(Path, new DashboardOptions
        {
            Authorization = [new AdministratorDashboardFilter()],
            DashboardTitle = "背景排程工作",
            AppPath = "/",
            DisplayStorageConnectionString = false,
            DarkModeEnabled = false,
        });
        return app;
    }
}

/// <summary>Lets in users signed in with the site's cookie who hold the administrator role; anyone else is refused.</summary>
public sealed class AdministratorDashboardFilter : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return user.Identity?.IsAuthenticated == true && user.IsInRole(RoleNames.Administrator);
    }
}
