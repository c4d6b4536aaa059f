using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Messages;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>The outside systems the chains reach, as named in an agency's <c>endpoints</c>.</summary>
public enum AgencySystem
{
    /// <summary>教育部校安通報系統.</summary>
    CampusIncidentReport,

    /// <summary>A police case system that receives routed tasks.</summary>
    PoliceCase,

    /// <summary>A city's or county's 兒少保護通報.</summary>
    ChildProtectionReport,

    /// <summary>A plain webhook any agency can register.</summary>
    Webhook,
}

/// <summary>Where one agency's system is, and which notices it takes.</summary>
public sealed record AgencyEndpoint(string AgencyId, AgencySystem System, Uri Address, IReadOnlySet<string> Notices);

/// <summary>
/// Reads endpoint settings from the agency directory (keys and defaults in <see cref="AgencySystemNotices"/>). An agency's <c>endpoints</c> names each system by
/// key with its address (<c>"police-case": "https://…"</c>) and may narrow the notices it takes
/// (<c>"police-case.notices": "task-routed;escalation"</c>). Signing keys are secrets and so live in
/// configuration (<c>AgencySystems:SigningKeys:{agencyId}</c>), never in the directory files.
/// </summary>
public interface IAgencyEndpoints
{
    Task<IReadOnlyList<AgencyEndpoint>> ForAgencyAsync(string agencyId, CancellationToken cancellationToken);

    /// <summary>The agency's contact addresses for email notices; empty when the agency is unknown.</summary>
    Task<IReadOnlyList<string>> ContactEmailsAsync(string agencyId, CancellationToken cancellationToken);

    /// <summary>The HMAC key shared with an agency, or null when none is configured.</summary>
    byte[]? SigningKey(string agencyId);
}

/// <summary>Where the directory comes from: the directory in force in a host, a directory built in code in tests.</summary>
public interface IAgencyDirectorySource
{
    Task<AgencyDirectory> GetAsync(CancellationToken cancellationToken);
}

public sealed class AgencySystemsOptions
{
    /// <summary>Agency id → shared secret for HMAC-SHA256 signatures, both directions.</summary>
    public Dictionary<string, string> SigningKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The longest one request to an agency system may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far a callback's timestamp may be from now before it is refused as replayed or forged.</summary>
    public TimeSpan CallbackTolerance { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>The directory in force: the one the host loaded at start, as replaced by an administrator's import on any host.</summary>
public sealed class ProviderAgencyDirectorySource(AgencyDirectoryProvider provider) : IAgencyDirectorySource
{
    public Task<AgencyDirectory> GetAsync(CancellationToken cancellationToken) => Task.FromResult(provider.Current);
}

/// <summary>A directory built in code (tests, tools).</summary>
public sealed class FixedAgencyDirectorySource(AgencyDirectory directory) : IAgencyDirectorySource
{
    public Task<AgencyDirectory> GetAsync(CancellationToken cancellationToken) => Task.FromResult(directory);
}

public sealed class DirectoryAgencyEndpoints(IAgencyDirectorySource source, IOptions<AgencySystemsOptions> options) : IAgencyEndpoints
{
    public async Task<IReadOnlyList<AgencyEndpoint>> ForAgencyAsync(string agencyId, CancellationToken cancellationToken)
    {
        var directory = await source.GetAsync(cancellationToken);
        if (!directory.TryGet(agencyId, out var agency))
        {
            return [];
        }

        return [.. AgencySystemNotices.EndpointsOf(agency).Select(e => new AgencyEndpoint(e.AgencyId, Enum.Parse<AgencySystem>(e.System), e.Address, e.Notices))];
    }

    public async Task<IReadOnlyList<string>> ContactEmailsAsync(string agencyId, CancellationToken cancellationToken)
    {
        var directory = await source.GetAsync(cancellationToken);
        return directory.TryGet(agencyId, out var agency) ? agency.ContactEmails : [];
    }

    public byte[]? SigningKey(string agencyId) =>
        options.Value.SigningKeys.TryGetValue(agencyId, out var secret) && !string.IsNullOrEmpty(secret) ? System.Text.Encoding.UTF8.GetBytes(secret) : null;
}
