using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Integrations.Email;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// Messages per second from the MailKit sender to a real SMTP server (aiosmtpd, the tests' script) on
/// loopback: one reused connection against a connection per message, in plain text and with STARTTLS.
/// Messages go one after another, as one sending worker sends them. Args: <c>[messages]</c> (default 1,000).
/// </summary>
public static class SmtpThroughputBenchmark
{
    private const string Python = "/usr/bin/python3";

    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error) =>
        BenchmarkMode.RunAsync(args, Parse, (messages, token) => RunAsync(messages, output, token), error);

    private static int Parse(string[] args) =>
        args.Length == 0 ? 1_000
        : int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new ArgumentException($"messages must be a positive number, not '{args[0]}'");

    private static async Task RunAsync(int messages, TextWriter output, CancellationToken cancellationToken)
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=smtp.bench.invalid", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var folder = Directory.CreateTempSubdirectory("adf-bench-smtp-").FullName;
        try
        {
            output.WriteLine($"{messages:N0} messages per run, one after another, {Environment.ProcessorCount} cores");
            foreach (var security in new[] { SmtpSecurity.None, SmtpSecurity.StartTls })
            {
                foreach (var reuse in new[] { true, false })
                {
                    var (rate, connections) = await MeasureAsync(folder, certificate, security, reuse, messages, cancellationToken);
                    output.WriteLine($"{security,-8} {(reuse ? "one reused connection" : "a connection each"),-22} {rate,8:N0} messages/s  ({connections:N0} connections)");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(double Rate, int Connections)> MeasureAsync(
        string folder, X509Certificate2 certificate, SmtpSecurity security, bool reuse, int messages, CancellationToken cancellationToken)
    {
        var maildir = Path.Combine(folder, $"{security}-{reuse}");
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        var cert = Path.Combine(folder, "server.crt");
        var keyFile = Path.Combine(folder, "server.key");
        await File.WriteAllTextAsync(cert, certificate.ExportCertificatePem(), cancellationToken);
        await File.WriteAllTextAsync(keyFile, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem(), cancellationToken);
        var port = FreePort();
        var script = Path.Combine(ProjectPaths.Root(), "tests", "AntiDrugFlow.Tests", "Email", "smtp_test_server.py");
        using var server = Process.Start(new ProcessStartInfo(Python, [script, "--port", port.ToString(CultureInfo.InvariantCulture), "--maildir", maildir, "--cert", cert, "--key", keyFile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            await WaitForListenerAsync(port, cancellationToken);
            var options = Options.Create(new SmtpOptions
            {
                Host = "127.0.0.1",
                Port = port,
                Security = security,
                PinnedCertificateThumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256),
                MaxIdleConnections = reuse ? 1 : 0,
            });
            await using var sender = new SmtpEmailSender(options, TimeProvider.System);
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < messages; i++)
            {
                await sender.SendAsync(
                    new EmailMessage(null, [$"station{i % 20}@agencies.invalid"], [], [], $"【反毒通報】新交辦事項（案號 T-{i:D7}）", $"案號：T-{i:D7}\n請於期限前登入系統查閱。", $"bench:{i}"),
                    cancellationToken);
            }

            var seconds = watch.Elapsed.TotalSeconds;
            return (messages / seconds, sender.ConnectionsOpened);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForListenerAsync(int port, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 300; i++)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        throw new TimeoutException("the SMTP server did not start listening");
    }
}
