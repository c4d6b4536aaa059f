using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>One message as the SMTP server stored it, headers decoded.</summary>
public sealed record ReceivedMail(string File, string Subject, IReadOnlyList<string> To, string Body);

/// <summary>
/// A real SMTP server (aiosmtpd, installed by scripts/install-prerequisites smtp) on a free loopback
/// port, storing every message it accepts in a Maildir the test reads.
/// </summary>
public sealed partial class SmtpMailbox : IAsyncDisposable
{
    private readonly Process _process;

    private SmtpMailbox(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public static async Task<SmtpMailbox> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"adf-mail-{Guid.NewGuid():N}");
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(directory, sub));
        }

        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", directory])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("the SMTP server did not start");
        var mailbox = new SmtpMailbox(process, port, directory);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return mailbox;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        await mailbox.DisposeAsync();
        throw new InvalidOperationException("the SMTP server did not listen within 10 s");
    }

    public IReadOnlyList<ReceivedMail> Messages() =>
        [.. System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "new")).Order(StringComparer.Ordinal).Select(Read)];

    /// <summary>Polls (bounded) until a message matches; the clock that matters is the test's, so the wait only bounds a hang.</summary>
    public async Task<ReceivedMail> WaitForAsync(Func<ReceivedMail, bool> match, string what)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (Messages().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"no message {what} arrived; received: {string.Join(" | ", Messages().Select(m => m.Subject))}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ReceivedMail Read(string file)
    {
        var text = File.ReadAllText(file);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? string.Empty : text[(split + 2)..];
        var headers = Unfold().Replace(head, " ").Split('\n')
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0].Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var subject = Decode(headers.GetValueOrDefault("Subject") ?? string.Empty);
        var to = (headers.GetValueOrDefault("To") ?? string.Empty).Split(',').Select(a => a.Trim().Trim('<', '>')).Where(a => a.Length > 0).ToList();
        if (string.Equals(headers.GetValueOrDefault("Content-Transfer-Encoding"), "base64", StringComparison.OrdinalIgnoreCase))
        {
            body = Encoding.UTF8.GetString(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c)))));
        }
        else if (string.Equals(headers.GetValueOrDefault("Content-Transfer-Encoding"), "quoted-printable", StringComparison.OrdinalIgnoreCase))
        {
            body = QuotedPrintable(body);
        }

        return new ReceivedMail(file, subject, to, body);
    }

    private static string Decode(string header) => EncodedWord().Replace(header, m =>
        m.Groups["enc"].Value.Equals("B", StringComparison.OrdinalIgnoreCase)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups["text"].Value))
            : QuotedPrintable(m.Groups["text"].Value.Replace('_', ' '))).Replace("?= =?", string.Empty, StringComparison.Ordinal);

    private static string QuotedPrintable(string text)
    {
        var bytes = new List<byte>();
        text = text.Replace("=\r\n", string.Empty, StringComparison.Ordinal).Replace("=\n", string.Empty, StringComparison.Ordinal);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    [GeneratedRegex(@"\r?\n[ \t]+")]
    private static partial Regex Unfold();

    [GeneratedRegex(@"=\?utf-8\?(?<enc>[BQ])\?(?<text>[^?]*)\?=\s*", RegexOptions.IgnoreCase)]
    private static partial Regex EncodedWord();
}
