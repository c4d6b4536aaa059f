using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Email;

/// <summary>How mail travels to the SMTP server: TLS and its pinned certificate, refusals, DKIM, reused connections.</summary>
public sealed class SmtpTransportTests
{
    private static Dictionary<string, string?> Smtp(SmtpTestServer server, params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = server.Port.ToString(CultureInfo.InvariantCulture),
            ["Smtp:From"] = "antidrugflow@agencies.invalid",
            ["Outbox:FirstRetryDelay"] = "00:10:00",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=smtp.agencies.invalid", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    private static Flow Mails(int count)
    {
        var flow = new Flow($"mails-{count}");
        for (var i = 1; i <= count; i++)
        {
            flow.Activity($"mail{i}", "Elsa.SendEmail", ("to", Literal($"station{i}@agencies.invalid")), ("subject", Literal($"反毒通報第{i}件")), ("body", Literal($"案號 T-{i}，請登入系統查閱。")));
        }

        return flow.Chain([.. Enumerable.Range(1, count).Select(i => $"mail{i}")]);
    }

    [Fact]
    public async Task STARTTLS_to_a_self_signed_server_delivers_when_its_certificate_is_pinned()
    {
        using var certificate = SelfSigned();
        await using var smtp = await SmtpTestServer.StartAsync(options: new SmtpTestServerOptions(certificate));
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp,
            ("Smtp:Security", "StartTls"), ("Smtp:PinnedCertificateThumbprint", certificate.GetCertHashString(HashAlgorithmName.SHA256))));

        await host.StartAsync(await host.PublishAsync(Mails(2)));
        await host.DeliverAllDueAsync();

        Assert.Equal(["反毒通報第1件", "反毒通報第2件"], smtp.Messages().Select(m => m.Subject).Order(StringComparer.Ordinal));
        Assert.True(smtp.AllArrivedEncrypted());
        Assert.All(await host.MessagesAsync(), m => Assert.Equal(OutboxStatuses.Sent, m.Status));
    }

    [Fact]
    public async Task Implicit_TLS_to_a_self_signed_server_delivers_when_its_certificate_is_pinned()
    {
        using var certificate = SelfSigned();
        await using var smtp = await SmtpTestServer.StartAsync(options: new SmtpTestServerOptions(certificate, ImplicitTls: true));
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp,
            ("Smtp:Security", "SslOnConnect"), ("Smtp:PinnedCertificateThumbprint", certificate.GetCertHashString(HashAlgorithmName.SHA256))));

        await host.StartAsync(await host.PublishAsync(Mails(2)));
        await host.DeliverAllDueAsync();

        Assert.Equal(["反毒通報第1件", "反毒通報第2件"], smtp.Messages().Select(m => m.Subject).Order(StringComparer.Ordinal));
        Assert.True(smtp.AllArrivedEncrypted());
        Assert.All(await host.MessagesAsync(), m => Assert.Equal(OutboxStatuses.Sent, m.Status));
    }

    [Fact]
    public async Task STARTTLS_is_refused_and_retried_later_when_the_server_certificate_differs_from_the_pin()
    {
        using var certificate = SelfSigned();
        using var other = SelfSigned();
        await using var smtp = await SmtpTestServer.StartAsync(options: new SmtpTestServerOptions(certificate));
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp,
            ("Smtp:EnableSsl", "true"), ("Smtp:PinnedCertificateThumbprint", other.Thumbprint)));

        await host.StartAsync(await host.PublishAsync(Mails(1)));
        await host.DeliverAllDueAsync();

        Assert.Empty(smtp.Messages());
        var message = Assert.Single(await host.MessagesAsync());
        Assert.Equal(OutboxStatuses.Pending, message.Status);
        Assert.Contains("certificate", message.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recipient_the_server_refuses_for_good_dead_letters_the_message_at_the_first_attempt()
    {
        await using var smtp = await SmtpTestServer.StartAsync(options: new SmtpTestServerOptions(RefuseRecipientsEndingWith: "station1@agencies.invalid"));
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp, ("Outbox:MaxAttempts", "8")));

        await host.StartAsync(await host.PublishAsync(Mails(2)));
        await host.DeliverAllDueAsync();

        var messages = await host.MessagesAsync();
        var refused = Assert.Single(messages, m => m.Status == OutboxStatuses.DeadLettered);
        Assert.Equal(1, refused.Attempts);
        Assert.Contains("SMTP 550", refused.LastError, StringComparison.Ordinal);
        Assert.Equal(OutboxStatuses.Sent, Assert.Single(messages, m => m != refused).Status);
        Assert.Equal("反毒通報第2件", Assert.Single(smtp.Messages()).Subject);
    }

    [Fact]
    public async Task A_connection_error_leaves_the_message_to_be_retried_rather_than_dead_lettered()
    {
        await using var smtp = await SmtpTestServer.StartAsync(running: false);
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp));

        await host.StartAsync(await host.PublishAsync(Mails(1)));
        await host.DeliverAllDueAsync();

        var message = Assert.Single(await host.MessagesAsync());
        Assert.Equal(OutboxStatuses.Pending, message.Status);
        Assert.Equal(1, message.Attempts);
    }

    [Fact]
    public async Task A_DKIM_signed_message_verifies_against_the_published_public_key()
    {
        using var rsa = RSA.Create(2048);
        var keyFile = Path.Combine(Path.GetTempPath(), $"adf-dkim-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(keyFile, rsa.ExportRSAPrivateKeyPem());
        try
        {
            await using var smtp = await SmtpTestServer.StartAsync();
            await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp,
                ("Smtp:Dkim:KeyFile", keyFile), ("Smtp:Dkim:Selector", "mail2026"), ("Smtp:Dkim:Domain", "agencies.invalid")));

            await host.StartAsync(await host.PublishAsync(Mails(1)));
            await host.DeliverAllDueAsync();

            using var stored = new MemoryStream(Assert.Single(smtp.RawMessages()));
            var mail = await MimeMessage.LoadAsync(stored);
            var index = mail.Headers.IndexOf(HeaderId.DkimSignature);
            Assert.True(index >= 0, "the message carries a DKIM-Signature header");
            var signature = mail.Headers[index].Value;
            Assert.Contains("d=agencies.invalid", signature, StringComparison.Ordinal);
            Assert.Contains("s=mail2026", signature, StringComparison.Ordinal);
            var record = $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}";
            var verifier = new DkimVerifier(new PublishedKey("mail2026._domainkey.agencies.invalid", record));
            Assert.True(await verifier.VerifyAsync(mail, mail.Headers[index]));

            // The same check fails once the body is not what was signed.
            mail.Body = new TextPart("plain") { Text = "竄改後的內容" };
            Assert.False(await verifier.VerifyAsync(mail, mail.Headers[index]));
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task Several_messages_travel_over_one_reused_connection()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await DeliveryHarness.CreateAsync(settings: Smtp(smtp, ("Outbox:BatchSize", "1")));

        await host.StartAsync(await host.PublishAsync(Mails(5)));
        await host.DeliverAllDueAsync();

        Assert.Equal(5, smtp.Messages().Count);
        Assert.Equal(1, smtp.ConnectionsThatDelivered());
        Assert.Equal(1, ((SmtpEmailSender)host.Services.GetRequiredService<IEmailSender>()).ConnectionsOpened);
    }

    /// <summary>The DNS TXT record of one selector, as a test's stand-in for a DNS lookup.</summary>
    private sealed class PublishedKey(string name, string record) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            $"{selector}._domainkey.{domain}" == name ? GetPublicKey(record) : throw new InvalidOperationException($"no key published for {selector}._domainkey.{domain}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
