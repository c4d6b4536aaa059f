using AntiDrugFlow.Integrations.Postgres;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Service;

/// <summary>
/// The cluster the host runs on when nothing is configured (durable): its backends write the data pages they evict as they
/// go, so the kernel's 30-second writeback does not land hundreds of MB at once in front of the WAL's flush, and its buffer
/// pool is PostgreSQL's default, since every backend faults on its first touch of each page of a larger one (docs/OPERATIONS.md,
/// "The server's writes"). Read back from the running server.
/// </summary>
public sealed class EmbeddedClusterSettingsTests
{
    [Fact]
    public async Task The_durable_cluster_flushes_the_pages_its_backends_write_keeps_fsync_and_the_default_buffer_pool()
    {
        var directory = Directory.CreateTempSubdirectory($"adf-test-pg-durable-{Environment.ProcessId}-").FullName;
        // Stopped in the finally before its directory goes, so no dispose is left to do.
        var cluster = new EmbeddedPostgresCluster(directory, maxConnections: 20);
        try
        {
            await cluster.StartAsync(CancellationToken.None);
            await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_setting('backend_flush_after'), current_setting('shared_buffers'), current_setting('fsync'), current_setting('synchronous_commit')", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("256kB", "128MB", "on", "on"), (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }
        finally
        {
            await cluster.StopAsync(CancellationToken.None);
            Directory.Delete(directory, recursive: true);
        }
    }
}
