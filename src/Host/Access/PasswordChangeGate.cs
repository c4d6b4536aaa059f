using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.WebUtilities;

namespace AntiDrugFlow.Host.Access;

/// <summary>An endpoint that a user who must change their password may still use: the password page and endpoint, who am I, sign-out.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class AllowedBeforePasswordChangeAttribute : Attribute;

/// <summary>
/// Keeps a user signed in with a password an administrator set away from everything else until they
/// choose their own: a page answers with a redirect to /account/password (coming back afterwards to the
/// page asked for), an API call with 403 problem details. Endpoints that need no session (sign-in,
/// agency callbacks, static files) are left alone.
/// </summary>
public static class PasswordChangeGate
{
    public const string PagePath = "/account/password";

    /// <summary>Lets a user who must change their password reach this endpoint.</summary>
    public static TBuilder AllowBeforePasswordChange<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowedBeforePasswordChangeAttribute());

    /// <summary>After authentication (which reads the mark from the cookie), before authorization.</summary>
    public static IApplicationBuilder UsePasswordChangeGate(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!IsHeldBack(context))
            {
                await next(context);
                return;
            }

            if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                await AccessExtensions.WriteProblemAsync(
                    context, StatusCodes.Status403Forbidden, "須先變更密碼",
                    "這個帳號的密碼是系統管理者設定的，須先換成您自己的密碼：請以 POST /api/account/password 變更密碼後再試。");
                return;
            }

            // Only a page asked for with GET is worth coming back to; a form posted meanwhile is not repeated.
            var back = HttpMethods.IsGet(context.Request.Method) ? context.Request.PathBase + context.Request.Path + context.Request.QueryString : null;
            context.Response.Redirect(back is null ? PagePath : QueryHelpers.AddQueryString(PagePath, "ReturnUrl", back));
        });

    /// <summary>
    /// A path of this site to return to (never another address handed in through the query, nor the
    /// password page itself), or null. The framework's local-URL check also refuses the control characters
    /// (a tab in "/\t/evil.example") that browsers drop, turning the path into another site's address.
    /// </summary>
    public static string? LocalReturnPath(string? returnUrl) =>
        RedirectHttpResult.IsLocalUrl(returnUrl)
        && !returnUrl!.StartsWith('~')
        && !returnUrl.StartsWith(PagePath, StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : null;

    private static bool IsHeldBack(HttpContext context)
    {
        if (!context.User.MustChangePassword() || context.GetEndpoint() is not { } endpoint)
        {
            return false;
        }

        var metadata = endpoint.Metadata;
        return metadata.GetMetadata<AllowedBeforePasswordChangeAttribute>() is null
            && metadata.GetMetadata<IAllowAnonymous>() is null
            && (metadata.GetMetadata<IAuthorizeData>() is not null || metadata.GetMetadata<AuthorizationPolicy>() is not null);
    }
}
