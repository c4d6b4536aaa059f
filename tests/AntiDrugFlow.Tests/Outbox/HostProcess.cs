using Xunit;
using System.Collections.Concurrent;
using System.Diagnostics;
using AntiDrugFlow.Tests.Email;

namespace AntiDrugFlow.Tests.Outbox;

/// <summary>The real host, AntiDrugFlow.Host.dll, as its own process on a free loopback port, so a test can kill it outright.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process, Uri address)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public string Output => string.Join('\n', _output);

    public static async Task<HostProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string> environment)
    {
        var port = SilentListener.ClosedPort();
        var start = new ProcessStartInfo("dotnet", [HostDll(), "serve", "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = SmtpTestServer.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__AntiDrugFlow"] = connectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var host = new HostProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => host._output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => host._output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () =>
        {
            Assert.False(process.HasExited, $"the host exited at start-up:\n{host.Output}");
            try
            {
                using var response = await host.Http.GetAsync("/openapi/v1.json");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the host to answer", seconds: 90);
        return host;
    }

    /// <summary>Kills the process at once: no shutdown, no chance to record anything.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        Http.Dispose();
    }

    /// <summary>The host build beside the tests (it is a project reference), else the Release build of src/Host.</summary>
    private static string HostDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "AntiDrugFlow.Host.dll");
        if (File.Exists(beside) && File.Exists(Path.Combine(AppContext.BaseDirectory, "AntiDrugFlow.Host.runtimeconfig.json")))
        {
            return beside;
        }

        return Path.Combine(SmtpTestServer.RepositoryRoot(), "src", "Host", "bin", "Release", "net10.0", "AntiDrugFlow.Host.dll");
    }
}
