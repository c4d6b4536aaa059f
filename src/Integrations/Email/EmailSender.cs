using System.Net;
using System.Net.Mail;
using System.Text;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Integrations.Email;

public sealed record EmailMessage(string? From, IReadOnlyList<string> To, IReadOnlyList<string> Cc, IReadOnlyList<string> Bcc, string Subject, string Body, string IdempotencyKey);

public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

public sealed class SmtpOptions
{
    /// <summary>The SMTP server; empty means write messages to <see cref="PickupDirectory"/> instead.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    /// <summary>Use STARTTLS after connecting (port 587); the login below then travels encrypted.</summary>
    public bool EnableSsl { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "antidrugflow@localhost";

    public string PickupDirectory { get; set; } = Path.Combine(".data", "mail-pickup");

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Sends through the framework's SMTP client: to a server (STARTTLS and login when set) or into a pickup folder.</summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var mail = new MailMessage
        {
            From = new MailAddress(string.IsNullOrWhiteSpace(message.From) ? settings.From : message.From),
            Subject = message.Subject,
            Body = message.Body,
            SubjectEncoding = Encoding.UTF8,
            BodyEncoding = Encoding.UTF8,
            HeadersEncoding = Encoding.UTF8,
            // Base64 keeps the Chinese text intact through relays that are not 8-bit clean.
            BodyTransferEncoding = System.Net.Mime.TransferEncoding.Base64,
        };
        foreach (var to in message.To)
        {
            mail.To.Add(to);
        }

        foreach (var cc in message.Cc)
        {
            mail.CC.Add(cc);
        }

        foreach (var bcc in message.Bcc)
        {
            mail.Bcc.Add(bcc);
        }

        // The same key on every attempt, so a receiver can drop a repeat.
        mail.Headers.Add("Message-ID", $"<{MessageIdLocalPart(message.IdempotencyKey)}@antidrugflow>");
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            Directory.CreateDirectory(settings.PickupDirectory);
            client.DeliveryMethod = SmtpDeliveryMethod.SpecifiedPickupDirectory;
            client.PickupDirectoryLocation = Path.GetFullPath(settings.PickupDirectory);
        }
        else
        {
            client.Host = settings.Host;
            client.Port = settings.Port;
            client.EnableSsl = settings.EnableSsl;
            if (!string.IsNullOrEmpty(settings.UserName))
            {
                client.Credentials = new NetworkCredential(settings.UserName, settings.Password);
            }
        }

        await client.SendMailAsync(mail, cancellationToken);
    }

    public static string MessageIdLocalPart(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];
}
