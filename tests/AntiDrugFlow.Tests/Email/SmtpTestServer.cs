using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using AntiDrugFlow.Tests.Outbox;
using Xunit;

namespace AntiDrugFlow.Tests.Email;

/// <summary>What the test server does beyond accepting mail: STARTTLS with a certificate, refusing some recipients for good.</summary>
/// <summary>The test server's certificate (STARTTLS offered, or with <paramref name="ImplicitTls"/> TLS from the first byte) and the recipients it refuses for good.</summary>
public sealed record SmtpTestServerOptions(X509Certificate2? Certificate = null, string? RefuseRecipientsEndingWith = null, bool ImplicitTls = false);

/// <summary>
/// A real SMTP server (aiosmtpd, driven by smtp_test_server.py) on a free loopback port, storing the bytes
/// of each message it accepts in a Maildir. It can be stopped and started again on the same port, to play
/// a server that is down for a while.
/// </summary>
public sealed partial class SmtpTestServer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly SmtpTestServerOptions _options;
    private Process? _process;

    private SmtpTestServer(string maildir, int port, SmtpTestServerOptions options)
    {
        Maildir = maildir;
        Port = port;
        _options = options;
    }

    public string Maildir { get; }

    public int Port { get; }

    public static async Task<SmtpTestServer> StartAsync(bool running = true, SmtpTestServerOptions? options = null)
    {
        await EnsureInstalledAsync();
        var maildir = Path.Combine(Path.GetTempPath(), $"adf-mail-{Guid.NewGuid():N}");
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        var server = new SmtpTestServer(maildir, SilentListener.ClosedPort(), options ?? new SmtpTestServerOptions());
        if (running)
        {
            await server.UpAsync();
        }

        return server;
    }

    public async Task UpAsync()
    {
        var script = Path.Combine(Host.Infrastructure.ProjectPaths.Root(), "tests", "AntiDrugFlow.Tests", "Email", "smtp_test_server.py");
        List<string> arguments = [script, "--port", Port.ToString(CultureInfo.InvariantCulture), "--maildir", Maildir];
        if (_options.Certificate is { } certificate)
        {
            var cert = Path.Combine(Maildir, "server.crt");
            var key = Path.Combine(Maildir, "server.key");
            await File.WriteAllTextAsync(cert, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(key, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
            arguments.AddRange(["--cert", cert, "--key", key]);
            if (_options.ImplicitTls)
            {
                arguments.Add("--implicit-tls");
            }
        }

        if (_options.RefuseRecipientsEndingWith is { } suffix)
        {
            arguments.AddRange(["--refuse-suffix", suffix]);
        }

        var start = new ProcessStartInfo(Python, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () =>
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "the SMTP server to listen");
    }

    public async Task DownAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public IReadOnlyList<ReceivedMail> Messages() =>
        [.. StoredFiles().Select(f => ReceivedMail.Parse(File.ReadAllBytes(f)))];

    /// <summary>The bytes of each message as it arrived, in order of arrival.</summary>
    public IReadOnlyList<byte[]> RawMessages() => [.. StoredFiles().Select(File.ReadAllBytes)];

    /// <summary>How many SMTP connections carried the stored messages (the server names each file after the client's port).</summary>
    public int ConnectionsThatDelivered() => StoredFiles().Select(f => Path.GetFileName(f).Split('.')[1]).Distinct(StringComparer.Ordinal).Count();

    /// <summary>True when every stored message came over an encrypted session (STARTTLS or implicit TLS).</summary>
    public bool AllArrivedEncrypted() => StoredFiles().All(f => Path.GetFileName(f).Split('.')[2] == "tls");

    private IEnumerable<string> StoredFiles() => Directory.GetFiles(Path.Combine(Maildir, "new")).Order(StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await DownAsync();
        try
        {
            Directory.Delete(Maildir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static async Task EnsureInstalledAsync()
    {
        if (await RunsAsync(Python, "-c", "import aiosmtpd"))
        {
            return;
        }

        var script = Path.Combine(Host.Infrastructure.ProjectPaths.Root(), "scripts", "install-prerequisites");
        Assert.True(await RunsAsync(script, "smtp") && await RunsAsync(Python, "-c", "import aiosmtpd"), "aiosmtpd could not be installed (scripts/install-prerequisites smtp)");
    }

    private static async Task<bool> RunsAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        await process.WaitForExitAsync();
        return process.ExitCode == 0;
    }

}

/// <summary>A message as the SMTP server stored it: headers unfolded, encoded words and the body decoded.</summary>
public sealed partial record ReceivedMail(IReadOnlyDictionary<string, string> Headers, string Subject, string Body, string Raw)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : string.Empty;

    public static ReceivedMail Parse(byte[] bytes)
    {
        // Latin-1 keeps every byte as one char, so an 8bit body can be decoded with its charset below.
        var raw = Encoding.Latin1.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = raw.IndexOf("\n\n", StringComparison.Ordinal);
        var headerText = raw[..split];
        var bodyText = raw[(split + 2)..];
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? last = null;
        foreach (var line in headerText.Split('\n'))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && last is not null)
            {
                headers[last] += " " + line.Trim();
            }
            else if (line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
            {
                last = line[..colon].Trim().ToLowerInvariant();
                headers[last] = line[(colon + 1)..].Trim();
            }
        }

        var charset = CharsetPattern().Match(headers.GetValueOrDefault("content-type", string.Empty)) is { Success: true } m ? m.Groups[1].Value : "us-ascii";
        var encoding = Encoding.GetEncoding(charset);
        var transfer = headers.GetValueOrDefault("content-transfer-encoding", "7bit").ToLowerInvariant();
        var body = transfer switch
        {
            "base64" => encoding.GetString(Convert.FromBase64String(string.Concat(bodyText.Split('\n').Select(l => l.Trim())))),
            "quoted-printable" => encoding.GetString(QuotedPrintable(bodyText.Replace("=\n", string.Empty, StringComparison.Ordinal), underscoreIsSpace: false)),
            _ => encoding.GetString(Encoding.Latin1.GetBytes(bodyText)),
        };
        return new ReceivedMail(headers, DecodeWords(headers.GetValueOrDefault("subject", string.Empty)), body.Replace("\r\n", "\n", StringComparison.Ordinal), Encoding.UTF8.GetString(bytes));
    }

    private static string DecodeWords(string value)
    {
        // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        var joined = Regex.Replace(value, @"\?=\s+=\?", "?==?");
        return EncodedWord().Replace(joined, w =>
        {
            var encoding = Encoding.GetEncoding(w.Groups[1].Value);
            var text = w.Groups[3].Value;
            return w.Groups[2].Value.Equals("B", StringComparison.OrdinalIgnoreCase)
                ? encoding.GetString(Convert.FromBase64String(text))
                : encoding.GetString(QuotedPrintable(text, underscoreIsSpace: true));
        });
    }

    private static byte[] QuotedPrintable(string text, bool underscoreIsSpace)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 2 < text.Length)
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add(underscoreIsSpace && text[i] == '_' ? (byte)' ' : (byte)text[i]);
            }
        }

        return [.. bytes];
    }

    [GeneratedRegex(@"charset=""?([A-Za-z0-9\-_]+)""?", RegexOptions.IgnoreCase)]
    private static partial Regex CharsetPattern();

    [GeneratedRegex(@"=\?([^?]+)\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();
}
