using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AntiDrugFlow.Integrations.Diagnostics;
using AntiDrugFlow.Integrations.Outbox;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace AntiDrugFlow.Integrations.Email;

public sealed record EmailMessage(string? From, IReadOnlyList<string> To, IReadOnlyList<string> Cc, IReadOnlyList<string> Bcc, string Subject, string Body, string IdempotencyKey);

public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>How the connection to the SMTP server is protected.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text; only for a relay on the same host or a test server.</summary>
    None,

    /// <summary>Connect in plain text, then upgrade with STARTTLS before anything else (port 587); refused when not offered.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}

public sealed class SmtpOptions
{
    /// <summary>The SMTP server; empty means write messages to <see cref="PickupDirectory"/> instead.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    /// <summary>None, StartTls or SslOnConnect; when unset, <see cref="EnableSsl"/> decides.</summary>
    public SmtpSecurity? Security { get; set; }

    /// <summary>The older setting, kept as an alias: true is StartTls, false is None.</summary>
    public bool EnableSsl { get; set; }

    /// <summary>
    /// SHA-1 or SHA-256 thumbprint (hex) of the server's certificate. When set, that certificate is accepted
    /// whoever issued it and any other is refused; when empty, the usual chain and name checks apply.
    /// </summary>
    public string? PinnedCertificateThumbprint { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "antidrugflow@localhost";

    public string PickupDirectory { get; set; } = Path.Combine(".data", "mail-pickup");

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Idle connections kept open for the next messages; the outbox's per-destination limit bounds those in use.</summary>
    public int MaxIdleConnections { get; set; } = 4;

    public SmtpDkimOptions Dkim { get; set; } = new();

    public SmtpSecurity EffectiveSecurity => Security ?? (EnableSsl ? SmtpSecurity.StartTls : SmtpSecurity.None);
}

/// <summary>DKIM signing of every outgoing message; off unless all three are set.</summary>
public sealed class SmtpDkimOptions
{
    /// <summary>PEM file with the RSA private key whose public half is published at {Selector}._domainkey.{Domain}.</summary>
    public string? KeyFile { get; set; }

    public string? Selector { get; set; }

    public string? Domain { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(KeyFile) && !string.IsNullOrWhiteSpace(Selector) && !string.IsNullOrWhiteSpace(Domain);
}

/// <summary>
/// Sends with MailKit over pooled connections: a connection stays open after a message and serves the
/// next one, so each sending worker holds one connection instead of opening one per message. Without a
/// host, messages are written to a pickup folder (the demonstration).
/// </summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options, TimeProvider time) : IEmailSender, IAsyncDisposable
{
    private static readonly HeaderId[] SignedHeaders =
        [HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding];

    private readonly ConcurrentBag<SmtpClient> _idle = [];
    private readonly Lazy<DkimSigner?> _signer = new(() => CreateSigner(options.Value.Dkim));
    private int _connectionsOpened;

    /// <summary>Connections opened since start; a test and the benchmark read it to see reuse.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var mime = Compose(message, settings);
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            await WriteToPickupAsync(mime, settings, cancellationToken);
            return;
        }

        using var span = IntegrationsTelemetry.StartSmtpSend(settings.Host, settings.Port);
        // A pooled connection the server has since closed fails on first use: then once more on a new one.
        var reused = _idle.TryTake(out var client);
        while (true)
        {
            try
            {
                client ??= await ConnectAsync(settings, cancellationToken);
                Sign(mime, client);
                await client.SendAsync(mime, cancellationToken);
                Return(client, settings);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await DiscardAsync(client);
                client = null;
                if (reused && IsStaleConnection(ex))
                {
                    reused = false;
                    continue;
                }

                span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
                throw Classify(ex, settings);
            }
        }
    }

    public static string MessageIdLocalPart(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var client))
        {
            await DiscardAsync(client);
        }
    }

    private MimeMessage Compose(EmailMessage message, SmtpOptions settings)
    {
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Date = time.GetUtcNow(),
            // The same key on every attempt, so a receiver can drop a repeat.
            MessageId = $"{MessageIdLocalPart(message.IdempotencyKey)}@antidrugflow",
        };
        var body = new TextPart("plain");
        body.SetText(Encoding.UTF8, message.Body);
        mime.Body = body;
        mime.From.Add(MailboxAddress.Parse(string.IsNullOrWhiteSpace(message.From) ? settings.From : message.From));
        mime.To.AddRange(message.To.Select(MailboxAddress.Parse));
        mime.Cc.AddRange(message.Cc.Select(MailboxAddress.Parse));
        mime.Bcc.AddRange(message.Bcc.Select(MailboxAddress.Parse));
        return mime;
    }

    private static async Task WriteToPickupAsync(MimeMessage mime, SmtpOptions settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(settings.PickupDirectory);
        mime.Prepare(EncodingConstraint.SevenBit);
        // Written under another name and renamed, so a reader of the folder never sees half a message.
        var path = Path.Combine(settings.PickupDirectory, $"{Guid.NewGuid():N}.eml");
        var partial = path + ".partial";
        // Rendered in memory and written in one call: MimeKit's own file writer makes one asynchronous write per line.
        using var rendered = new MemoryStream();
        mime.WriteTo(rendered, cancellationToken);
        await File.WriteAllBytesAsync(partial, rendered.GetBuffer().AsMemory(0, (int)rendered.Length), cancellationToken);
        File.Move(partial, path);
    }

    private async Task<SmtpClient> ConnectAsync(SmtpOptions settings, CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        var pin = NormalizeThumbprint(settings.PinnedCertificateThumbprint);
        client.ServerCertificateValidationCallback = (_, certificate, _, errors) => pin is null
            ? errors == SslPolicyErrors.None
            : certificate is not null && MatchesPin(certificate, pin);
        try
        {
            var security = settings.EffectiveSecurity switch
            {
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(settings.Host!, settings.Port, security, cancellationToken);
            Interlocked.Increment(ref _connectionsOpened);
            if (!string.IsNullOrEmpty(settings.UserName))
            {
                await client.AuthenticateAsync(settings.UserName, settings.Password ?? string.Empty, cancellationToken);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private void Sign(MimeMessage mime, SmtpClient client)
    {
        if (_signer.Value is not { } signer)
        {
            return;
        }

        // Fix the transfer encoding first: a body re-encoded after signing would no longer verify.
        mime.Prepare(client.Capabilities.HasFlag(SmtpCapabilities.EightBitMime) ? EncodingConstraint.EightBit : EncodingConstraint.SevenBit);
        mime.Headers.RemoveAll(HeaderId.DkimSignature);
        signer.Sign(mime, [.. SignedHeaders.Where(h => h is not HeaderId.Cc || mime.Cc.Count > 0)]);
    }

    private void Return(SmtpClient client, SmtpOptions settings)
    {
        if (client.IsConnected && _idle.Count < settings.MaxIdleConnections)
        {
            _idle.Add(client);
        }
        else
        {
            _ = DiscardAsync(client);
        }
    }

    private static async Task DiscardAsync(SmtpClient? client)
    {
        if (client is null)
        {
            return;
        }

        try
        {
            if (client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(quit: true, quit.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ProtocolException or SmtpCommandException)
        {
            // The connection is gone either way.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static bool IsStaleConnection(Exception ex) =>
        ex is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException
        || ex is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable };

    /// <summary>5xx is permanent; 4xx, lost connections and TLS failures are tried again by the outbox.</summary>
    private static Exception Classify(Exception ex, SmtpOptions settings)
    {
        var server = $"{settings.Host}:{settings.Port}";
        return ex switch
        {
            SmtpCommandException { StatusCode: var code } command when (int)code >= 500 =>
                new PermanentDeliveryException($"SMTP {(int)code} from {server}: {command.Message}", ex),
            SmtpCommandException { StatusCode: var code } command => new DeliveryException($"SMTP {(int)code} from {server}: {command.Message}", ex),
            SslHandshakeException => new DeliveryException($"TLS with {server} failed: the server's certificate was not accepted", ex),
            _ => new DeliveryException($"SMTP {server}: {ex.Message}", ex),
        };
    }

    private static DkimSigner? CreateSigner(SmtpDkimOptions dkim) =>
        dkim.Enabled
            ? new DkimSigner(dkim.KeyFile!, dkim.Domain!, dkim.Selector!, DkimSignatureAlgorithm.RsaSha256)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            }
            : null;

    private static string? NormalizeThumbprint(string? thumbprint) =>
        string.IsNullOrWhiteSpace(thumbprint) ? null : thumbprint.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    private static bool MatchesPin(X509Certificate certificate, string pin)
    {
        var hash = pin.Length == 64 ? System.Security.Cryptography.HashAlgorithmName.SHA256 : System.Security.Cryptography.HashAlgorithmName.SHA1;
        return string.Equals(certificate.GetCertHashString(hash), pin, StringComparison.Ordinal);
    }
}
