using System.Net;
using System.Text;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>The run command's default: no connection string, so a private PostgreSQL and a mail pickup folder.</summary>
public sealed class EmbeddedDefaultTests : IDisposable
{
    // Not CreateTempSubdirectory: its 0700 folder would keep the postgres user out.
    private readonly string _data = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "adf-embedded-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Without_a_connection_string_the_host_runs_on_its_own_PostgreSQL_and_writes_mail_to_the_pickup_folder()
    {
        var pickup = Path.Combine(_data, "mail");
        var settings = new Dictionary<string, string>
        {
            ["Embedded__DataDirectory"] = Path.Combine(_data, "postgres"),
            ["Smtp__PickupDirectory"] = pickup,
        };
        await using var host = await HostProcess.StartAsync(connectionString: null, settings);
        var definition = new Flow("embedded-mail")
            .Activity("mail", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal("新通報 T-1")), ("body", Literal("請於期限內確認。")))
            .Json();

        Assert.Equal(HttpStatusCode.Created, (await host.Http.PostAsync("/api/workflow-definitions?publish=true", Json(definition))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.PostAsync("/api/workflow-definitions/embedded-mail/execute", Json("{}"))).StatusCode);

        // The pickup file appears before the client has finished writing it: wait for the whole message.
        var mail = string.Empty;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !mail.Contains("station@agencies.invalid", StringComparison.Ordinal))
        {
            await Task.Delay(200);
            var files = Directory.Exists(pickup) ? Directory.GetFiles(pickup, "*.eml") : [];
            mail = files.Length == 1 ? await ReadSharedAsync(files[0]) : string.Empty;
        }

        Assert.Single(Directory.GetFiles(pickup, "*.eml"));
        Assert.Contains("station@agencies.invalid", mail);
        Assert.True(File.Exists(Path.Combine(_data, "postgres", "PG_VERSION")));
        Assert.True(File.Exists(Path.Combine(_data, "postgres", "postmaster.pid")));

        await host.StopGracefullyAsync();

        Assert.False(File.Exists(Path.Combine(_data, "postgres", "postmaster.pid")));
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
