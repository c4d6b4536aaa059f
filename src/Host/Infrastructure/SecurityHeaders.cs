using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>
/// What every response says to the browser about itself (no framing, no sniffing, no foreign scripts, no referrer
/// outside the site, HSTS over TLS), forwarded headers from the configured proxies only, and 400 (not 500) for a
/// page's numeric query parameter that is not a number.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts, styles, frames and form targets of this site only. The login page and some pages still carry inline
    /// script and style, hence 'unsafe-inline' for those two; no other site's code can run or frame the pages.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    // The pages whose query parameters are integers: a path pattern and the parameters.
    private static readonly (System.Text.RegularExpressions.Regex Path, string[] Names)[] IntegerParameters =
    [
        (new("^/cases/?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase), ["page"]),
        (new("^/admin/instances/?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase), ["page"]),
        (new("^/admin/definitions/[^/]+/?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase), ["version"]),
        (new("^/admin/definitions/[^/]+/compare/?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase), ["from", "to"]),
    ];

    /// <summary>Security:KnownProxies:0, :1, … — the addresses whose X-Forwarded-For/-Proto are believed (none by default).</summary>
    public static WebApplicationBuilder AddSecurityHeaders(this WebApplicationBuilder builder)
    {
        var proxies = builder.Configuration.GetSection("Security:KnownProxies").Get<string[]>() ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var proxy in proxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        return builder;
    }

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        // Behind a TLS-terminating proxy the request is https again, so the session cookie is Secure.
        if (app.Configuration.GetSection("Security:KnownProxies").Get<string[]>() is { Length: > 0 })
        {
            app.UseForwardedHeaders();
        }

        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            if (context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }

            if (!context.Request.Path.StartsWithSegments("/api") && NotAnInteger(context) is { } name)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ValidationProblemDetails(new Dictionary<string, string[]> { [name] = [$"「{name}」必須是整數。"] })
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = "網址參數有誤",
                    },
                });
                return;
            }

            await next(context);
        });
        return app;
    }

    private static string? NotAnInteger(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        foreach (var (pattern, names) in IntegerParameters)
        {
            if (!pattern.IsMatch(path))
            {
                continue;
            }

            foreach (var name in names)
            {
                if (context.Request.Query.TryGetValue(name, out var values)
                    && values.Any(v => !int.TryParse(v, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)))
                {
                    return name;
                }
            }
        }

        return null;
    }
}
