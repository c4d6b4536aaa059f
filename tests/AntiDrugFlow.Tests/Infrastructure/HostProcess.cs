using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>The Host executable as a real process on a loopback port, which a test can kill outright.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    public HttpClient Http { get; }

    public static async Task<HostProcess> StartAsync(string? connectionString, IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Host.Infrastructure.ProjectPaths.Root(),
        };
        startInfo.ArgumentList.Add(HostDll());
        startInfo.ArgumentList.Add("serve");
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add($"http://127.0.0.1:{port}");
        if (connectionString is not null)
        {
            startInfo.Environment["ConnectionStrings__AntiDrugFlow"] = connectionString;
            startInfo.Environment["DataProtection__AllowUnencryptedKeys"] = "true";
        }

        startInfo.Environment["Logging__LogLevel__Default"] = "Warning";
        startInfo.Environment["Workflows__Directory"] = Path.Combine(Path.GetTempPath(), "adf-no-definitions");
        // The engine's own endpoints are called without signing in; accounts have tests of their own.
        startInfo.Environment["Security__RequireLogin"] = "false";
        startInfo.Environment["Demo__SeedAccounts"] = "false";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var process = Process.Start(startInfo)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            while (output.Count > 40 && output.TryDequeue(out _))
            {
                // Only the last lines matter for a start-up failure.
            }
        }

        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new HostProcess(process, port);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the host exited with code {process.ExitCode} while starting:\n{string.Join('\n', output)}");
            }

            try
            {
                // With login required the engine's API answers 401, which also means the host is up.
                var answer = await host.Http.GetAsync("/api/workflow-definitions");
                if (answer.IsSuccessStatusCode || answer.StatusCode == HttpStatusCode.Unauthorized)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        await host.DisposeAsync();
        throw new TimeoutException("the host did not answer within 120 s");
    }

    /// <summary>Kills the process at once, as a crash or a power cut would: no shutdown, no flush.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Asks the host to stop as an operator would (SIGTERM) and waits for it to exit.</summary>
    public async Task StopGracefullyAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    internal static string HostDll()
    {
        // The tests are built with the same configuration as the Host (see scripts/test).
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(Host.Infrastructure.ProjectPaths.Root(), "src", "Host", "bin", configuration, "net10.0", "AntiDrugFlow.Host.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build the solution first", dll);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
