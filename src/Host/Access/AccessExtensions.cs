using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Persistence;
using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AntiDrugFlow.Host.Access;

/// <summary>People and what they may see: accounts, sign-in, policies, audit log, personal-data protection, demo accounts.</summary>
public static class AccessExtensions
{
    /// <summary>The Data Protection application name: hosts sharing it (and the key table) read each other's data.</summary>
    public const string DataProtectionApplicationName = "AntiDrugFlow";

    /// <summary>The rate-limiting policy of the login endpoint.</summary>
    public const string LoginRateLimit = "login";

    /// <summary>Expects the agency directory (<see cref="AgencyDirectoryProvider"/>) registered by the chains.</summary>
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(new SchemaScripts(typeof(Account).Assembly));

        services.AddIdentityCore<Account>(options =>
            {
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789._-";
                // Length over composition; common and breached-pattern passwords are refused by CommonPasswordValidator.
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 5;
                // Sign-in does not count towards this lockout (SignInThrottle slows guessing instead, so that no one else can lock
                // an account); guessing the current password in a signed-in session does, and an administrator's lock uses it.
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = configuration.GetValue("Security:Lockout:MaxFailedAttempts", 5);
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(configuration.GetValue("Security:Lockout:Minutes", 15));
            })
            .AddSignInManager()
            .AddUserStore<PostgresAccountStore>()
            .AddClaimsPrincipalFactory<AccountClaimsPrincipalFactory>()
            .AddErrorDescriber<ChineseIdentityErrors>()
            .AddPasswordValidator<CommonPasswordValidator>();
        services.AddScoped<PostgresAccountStore>();
        services.Configure<SignInThrottleOptions>(configuration.GetSection("Security:SignInThrottle"));
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<AccountAdministration>();
        services.AddScoped<PasswordChange>();
        // A locked account or a changed or reset password ends existing sessions within this interval.
        services.AddOptions<SecurityStampValidatorOptions>().Configure<TimeProvider>((o, time) =>
        {
            o.ValidationInterval = TimeSpan.FromSeconds(configuration.GetValue("Security:SessionCheckSeconds", 60));
            o.TimeProvider = time;
            o.OnRefreshingPrincipal = SessionValidator.KeepSessionId;
        });
        // Signing out ends the session on the server as well: a copy of the cookie stops working at the next check.
        services.AddSingleton<EndedSessions>();
        services.AddScoped<ISecurityStampValidator, SessionValidator>();
        // Session expiry follows the host's clock too (Identity's own lockout clock is not replaceable).
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).Configure<TimeProvider>((o, time) => o.TimeProvider = time);

        // All of Identity's cookie schemes: rejecting a stale session signs out of the two-factor one too.
        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.ConfigureApplicationCookie(options =>
        {
            options.Cookie.Name = "AntiDrugFlow.Session";
            options.Cookie.HttpOnly = true;
            // Strict keeps other sites from riding on the cookie, which is the API's CSRF defence.
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromHours(configuration.GetValue("Security:SessionHours", 8));
            options.SlidingExpiration = true;
            options.LoginPath = "/account/login";
            options.AccessDeniedPath = "/account/access-denied";
            options.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = SecurityStampValidator.ValidatePrincipalAsync,
                OnRedirectToLogin = context => IsApi(context.Request)
                    ? WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "需要登入", "請先以 POST /api/account/login 登入。")
                    : Redirect(context),
                OnRedirectToAccessDenied = context => IsApi(context.Request)
                    ? WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "沒有權限", "您的角色不能使用這項功能。")
                    : Redirect(context),
            };
        });
        var requireLogin = configuration.GetValue("Security:RequireLogin", true);
        services.AddAuthorization(options => Policies.Add(options, requireLogin));
        services.AddSingleton<IAuthorizationHandler, CentralAgencyHandler>();
        services.AddHttpContextAccessor();
        services.AddSingleton<ICurrentActor, HttpCurrentActor>();

        AddLoginRateLimit(services, configuration.GetValue("Security:LoginAttemptsPerMinute", 30));

        services.AddSingleton<PostgresAuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<PostgresAuditLog>());
        services.AddApiKeys();
        services.AddPersonalDataProtection(KeyEncryptionCertificate(configuration));

        services.Configure<DemoOptions>(configuration.GetSection("Demo"));
        services.AddSingleton<DemoAccountSeeder>();
        if (configuration.GetValue("Demo:SeedAccounts", false))
        {
            services.AddHostedService(sp => sp.GetRequiredService<DemoAccountSeeder>());
        }

        return builder;
    }

    /// <summary>
    /// Data Protection with its key ring in PostgreSQL, and the minors' personal-data protector on it.
    /// Needs an <see cref="NpgsqlDataSource"/> and the schema scripts of this assembly. With a
    /// certificate, the keys are stored encrypted with it, so the database alone cannot decrypt the data.
    /// </summary>
    public static IServiceCollection AddPersonalDataProtection(this IServiceCollection services, X509Certificate2? keyEncryptionCertificate = null)
    {
        var dataProtection = services.AddDataProtection().SetApplicationName(DataProtectionApplicationName);
        if (keyEncryptionCertificate is not null)
        {
            // Linux has no machine certificate store to find the key by thumbprint, so decryption gets the certificate directly.
            dataProtection.ProtectKeysWithCertificate(keyEncryptionCertificate).UnprotectKeysWithAnyCertificate(keyEncryptionCertificate);
        }

        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new PostgresKeyRepository(sp.GetRequiredService<NpgsqlDataSource>())));
        services.AddSingleton<Workflows.Access.IPersonalDataProtector, DataProtectionPersonalDataProtector>();
        return services;
    }

    /// <summary>
    /// Authentication, the password-change gate and authorization in the pipeline, then the account, user
    /// administration and audit endpoints.
    /// </summary>
    public static WebApplication MapAccounts(this WebApplication app)
    {
        app.UseAuthentication();
        app.UsePasswordChangeGate();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapLoginPage();
        app.MapAccountsApi();
        app.MapUserAdministrationApi();
        app.MapAuditApi();
        app.MapApiKeysApi();
        return app;
    }

    /// <summary>
    /// A quick per-host cap on one address's sign-in requests, before the durable <see cref="SignInThrottle"/> counts
    /// wrong passwords. Zero turns it off.
    /// </summary>
    private static void AddLoginRateLimit(IServiceCollection services, int attemptsPerMinute)
    {
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(LoginRateLimit, context => attemptsPerMinute <= 0
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = attemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            options.OnRejected = (context, _) => new ValueTask(WriteProblemAsync(
                context.HttpContext, StatusCodes.Status429TooManyRequests, "嘗試次數過多", "登入嘗試過於頻繁，請稍候一分鐘再試。"));
        });
    }

    /// <summary>DataProtection:CertificatePath (a PKCS#12 file) and DataProtection:CertificatePassword, when set.</summary>
    private static X509Certificate2? KeyEncryptionCertificate(IConfiguration configuration) =>
        configuration["DataProtection:CertificatePath"] is { Length: > 0 } path
            ? X509CertificateLoader.LoadPkcs12FromFile(path, configuration["DataProtection:CertificatePassword"])
            : null;

    private static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || request.Path.StartsWithSegments("/elsa/api", StringComparison.OrdinalIgnoreCase);

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    internal static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
