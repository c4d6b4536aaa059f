using Microsoft.Extensions.Configuration;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>Configuration for the composition method in tests that build services without a host.</summary>
public static class TestConfiguration
{
    public static IConfiguration Empty { get; } = new ConfigurationBuilder().Build();

    public static IConfiguration With(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
