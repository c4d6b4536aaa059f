using System.Text.RegularExpressions;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// The engine owns its tables: outside src/Workflows/Engine, code reaches them through the engine's interfaces
/// (stores, queries, the outbox) or its shared views, never by naming them. One kind of line may name the task table:
/// a module's migration hanging an AFTER trigger on it (a view takes none), whose function reads the tasks through
/// the shared view (0470_case_routes.sql).
/// </summary>
public sealed partial class EngineTablesBoundaryTests
{
    [Fact]
    public void No_source_outside_the_engine_names_an_engine_table()
    {
        var root = Host.Infrastructure.ProjectPaths.Root();
        var engine = Path.Combine(root, "src", "Workflows", "Engine") + Path.DirectorySeparatorChar;
        var files = new[] { Path.Combine(root, "src"), Path.Combine(root, "tests", "AntiDrugFlow.Tests"), Path.Combine(root, "tests", "AntiDrugFlow.Benchmarks") }
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            .Where(f => Path.GetExtension(f) is ".cs" or ".sql" or ".razor")
            .Where(f => !f.StartsWith(engine, StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f) != nameof(EngineTablesBoundaryTests) + ".cs")
            .ToList();

        var offences = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => EngineTable().IsMatch(l.Text) && !(l.File.EndsWith(".sql", StringComparison.Ordinal) && TaskTrigger().IsMatch(l.Text)))
            .Select(l => $"{Path.GetRelativePath(root, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        // The scan must have read the domain's SQL, or an empty result would prove nothing.
        Assert.Contains(files, f => f.EndsWith("PostgresCaseStore.cs", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("0400_cases.sql", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("TimerFiringBenchmark.cs", StringComparison.Ordinal));
        Assert.Empty(offences);
    }

    [Fact]
    public void The_scan_recognises_each_engine_table_name()
    {
        foreach (var table in new[] { "outbox_messages", "workflow_bookmarks", "workflow_tasks", "workflow_instances", "workflow_journal", "workflow_definitions", "workflow_trigger_schedules" })
        {
            Assert.Matches(EngineTable(), $"SELECT count(*) FROM {table} WHERE id = $1");
        }

        Assert.DoesNotMatch(EngineTable(), "SELECT count(*) FROM human_tasks t JOIN instance_variables i ON i.instance_id = t.instance_id");
    }

    [Fact]
    public void Only_an_after_trigger_on_the_task_table_is_let_through()
    {
        Assert.Matches(TaskTrigger(), "CREATE TRIGGER case_routes_of_new_tasks AFTER INSERT ON workflow_tasks");
        Assert.Matches(TaskTrigger(), "CREATE TRIGGER case_routes_of_deleted_tasks AFTER DELETE ON workflow_tasks");
        Assert.DoesNotMatch(TaskTrigger(), "CREATE TRIGGER t AFTER INSERT ON workflow_tasks; DELETE FROM workflow_tasks");
        Assert.DoesNotMatch(TaskTrigger(), "CREATE TRIGGER t BEFORE INSERT ON workflow_tasks");
        Assert.DoesNotMatch(TaskTrigger(), "CREATE TRIGGER t AFTER INSERT ON workflow_instances");
        Assert.DoesNotMatch(TaskTrigger(), "INSERT INTO workflow_tasks SELECT * FROM human_tasks");
    }

    [GeneratedRegex(@"^\s*CREATE TRIGGER \w+ AFTER (INSERT|DELETE) ON workflow_tasks\s*$")]
    private static partial Regex TaskTrigger();

    [GeneratedRegex(@"\b(outbox_messages|workflow_(bookmarks|tasks|instances|journal|definitions|trigger_schedules))")]
    private static partial Regex EngineTable();
}
