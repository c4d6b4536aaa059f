using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Access;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>
/// Outside the embedded demonstration the host starts only with a key-encryption certificate for the Data Protection keys,
/// or an explicit opt-out that it logs as a warning at every start.
/// </summary>
public sealed class KeyEncryptionTests
{
    [Fact]
    public async Task Without_a_certificate_or_the_opt_out_the_host_refuses_to_start_naming_the_settings()
    {
        await using var factory = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["DataProtection:AllowUnencryptedKeys"] = "false" });

        var refusal = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var message = Flatten(refusal);
        Assert.Contains("DataProtection:CertificatePath", message, StringComparison.Ordinal);
        Assert.Contains("DataProtection:AllowUnencryptedKeys", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_explicit_opt_out_the_host_starts_and_warns_that_the_keys_are_unencrypted()
    {
        await using var host = await ChainsHost.StartAsync(new Dictionary<string, string> { ["DataProtection:AllowUnencryptedKeys"] = "true" });

        Assert.Contains(host.Logs, line => line.Contains("Warning", StringComparison.Ordinal) && line.Contains("Data Protection keys are stored unencrypted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_a_certificate_the_host_starts_without_the_opt_out_and_stores_its_keys_encrypted()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=AntiDrugFlow key encryption (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(Directory.CreateTempSubdirectory("adf-kek-").FullName, "key-encryption.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "test"));
        await using var factory = await ApiFactory.CreateAsync(new Dictionary<string, string>
        {
            ["DataProtection:AllowUnencryptedKeys"] = "false",
            ["DataProtection:CertificatePath"] = path,
            ["DataProtection:CertificatePassword"] = "test",
        });
        factory.CreateClient().Dispose();

        var stored = factory.Services.GetRequiredService<IPersonalDataProtector>().Protect("王小明");

        Assert.Equal("王小明", factory.Services.GetRequiredService<IPersonalDataProtector>().Unprotect(stored));
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT string_agg(xml, '') FROM data_protection_keys");
        var keys = (string)(await command.ExecuteScalarAsync())!;
        Assert.Contains("encryptedSecret", keys, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", keys, StringComparison.Ordinal);
    }

    private static string Flatten(Exception exception) =>
        exception.InnerException is null ? exception.Message : exception.Message + " " + Flatten(exception.InnerException);
}
