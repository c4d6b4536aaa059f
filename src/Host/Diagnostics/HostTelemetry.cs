using System.Diagnostics.Metrics;

namespace AntiDrugFlow.Host.Diagnostics;

/// <summary>The web host's own metrics. A sign-in failure counts with its kind only, never the name that was tried.</summary>
public static class HostTelemetry
{
    public const string Name = "AntiDrugFlow.Host";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> SignInFailures = Meter.CreateCounter<long>("account.sign_in.failures", "{attempt}", "Sign-ins refused: unknown name, wrong password, not allowed or locked out.");

    internal static void SignInFailed(string auditAction) =>
        SignInFailures.Add(1, new KeyValuePair<string, object?>("account.audit_action", auditAction));
}
