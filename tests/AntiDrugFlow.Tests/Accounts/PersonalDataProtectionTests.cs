using System.Security.Cryptography;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>A minor's personal data is encrypted with keys kept in the database, so every host reads it.</summary>
public sealed class PersonalDataProtectionTests
{
    private const string StudentName = "王小明";

    [Fact]
    public async Task Data_protected_by_one_host_is_read_by_another_sharing_the_database()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var first = await ProviderAsync(connectionString);
        await using var second = await ProviderAsync(connectionString);

        var stored = first.GetRequiredService<IPersonalDataProtector>().Protect(StudentName);
        var read = second.GetRequiredService<IPersonalDataProtector>().Unprotect(stored);

        Assert.Equal(StudentName, read);
        Assert.DoesNotContain(StudentName, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("小明", stored, StringComparison.Ordinal);
        Assert.True(await CountKeysAsync(connectionString) >= 1);
    }

    [Fact]
    public async Task The_same_name_protected_twice_gives_different_stored_text()
    {
        await using var provider = await ProviderAsync(await TestPostgres.CreateDatabaseAsync());
        var protector = provider.GetRequiredService<IPersonalDataProtector>();

        Assert.NotEqual(protector.Protect(StudentName), protector.Protect(StudentName));
    }

    [Fact]
    public async Task Text_protected_for_another_purpose_is_not_accepted_as_personal_data()
    {
        await using var provider = await ProviderAsync(await TestPostgres.CreateDatabaseAsync());
        var other = provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("AntiDrugFlow.SomethingElse").Protect(StudentName);

        Assert.ThrowsAny<CryptographicException>(() => provider.GetRequiredService<IPersonalDataProtector>().Unprotect(other));
    }

    /// <summary>Built the way a host builds its services, separately each time, as a second host would.</summary>
    private static async Task<ServiceProvider> ProviderAsync(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton(new SchemaScripts(typeof(Account).Assembly));
        services.AddPersonalDataProtection();
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        return provider;
    }

    private static async Task<long> CountKeysAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM data_protection_keys");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
