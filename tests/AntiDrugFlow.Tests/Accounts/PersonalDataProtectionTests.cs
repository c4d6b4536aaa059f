using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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

    [Fact]
    public async Task With_a_certificate_the_stored_keys_are_encrypted_and_every_host_holding_it_reads_the_data()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=AntiDrugFlow key encryption (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = certificate.Export(X509ContentType.Pfx, "test");
        using var firstCopy = X509CertificateLoader.LoadPkcs12(pfx, "test");
        using var secondCopy = X509CertificateLoader.LoadPkcs12(pfx, "test");
        await using var first = await ProviderAsync(connectionString, firstCopy);
        await using var second = await ProviderAsync(connectionString, secondCopy);

        var stored = first.GetRequiredService<IPersonalDataProtector>().Protect(StudentName);

        Assert.Equal(StudentName, second.GetRequiredService<IPersonalDataProtector>().Unprotect(stored));
        var keyXml = await KeyXmlAsync(connectionString);
        Assert.Contains("encryptedSecret", keyXml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", keyXml, StringComparison.Ordinal);
    }

    /// <summary>Built the way a host builds its services, separately each time, as a second host would.</summary>
    private static async Task<ServiceProvider> ProviderAsync(string connectionString, X509Certificate2? certificate = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton(new SchemaScripts(typeof(Account).Assembly));
        services.AddPersonalDataProtection(certificate);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        return provider;
    }

    private static async Task<string> KeyXmlAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT string_agg(xml, '') FROM data_protection_keys");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> CountKeysAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM data_protection_keys");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
