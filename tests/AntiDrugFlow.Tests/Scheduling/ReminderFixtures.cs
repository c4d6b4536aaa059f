using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;
using AntiDrugFlow.Workflows.Outbox;
using Npgsql;

namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>Small catalogs and database reads shared by the reminder tests.</summary>
public static class ReminderFixtures
{
    /// <summary>「116年8月底前」: 民國116年8月31日 23:59:59 Asia/Taipei.</summary>
    public static readonly DateTimeOffset Due = new(2027, 8, 31, 23, 59, 59, TimeSpan.FromHours(8));

    public const string CorrectionsEmail = "moj-corrections@agencies.invalid";
    public const string PolicyEmail = "npa@agencies.invalid";
    public const string PlanningEmail = "moj-planning@agencies.invalid";

    public static MilestoneItem Item(string id, string scheduleText, string lead = "法務部（矯正署）", int documentRocYear = 116) =>
        new(id, "綜合規劃組", "綜合規劃", "（一）測試策略", "1", "測試用行動方案", scheduleText, RocSchedule.Parse(scheduleText, documentRocYear).Steps, [lead], ["教育部"]);

    public static MilestoneCatalog Catalog(params MilestoneItem[] items) => new("測試行動綱領", "tests", 116, 116, 119, [], items);

    public static async Task<IReadOnlyList<(string Key, string Outcome, bool Late)>> RemindersAsync(string connectionString, string cycleId)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT reminder_key, outcome, late FROM milestone_reminders WHERE cycle_id = $1 ORDER BY reminder_key");
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<(string, string, bool)>();
        while (await reader.ReadAsync())
        {
            list.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }

        return list;
    }

    /// <summary>Bounded polling for a database state the hosts reach on their own.</summary>
    public static async Task<IReadOnlyList<(string Key, string Outcome, bool Late)>> WaitForRemindersAsync(string connectionString, string cycleId, Func<IReadOnlyList<(string Key, string Outcome, bool Late)>, bool> done)
    {
        IReadOnlyList<(string Key, string Outcome, bool Late)> reminders = [];
        for (var attempt = 0; attempt < 600; attempt++)
        {
            reminders = await RemindersAsync(connectionString, cycleId);
            if (done(reminders))
            {
                return reminders;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"the reminders did not reach the expected state: {string.Join(", ", reminders.Select(r => $"{r.Key}={r.Outcome}{(r.Late ? " late" : string.Empty)}"))}");
    }

    /// <summary>Waits until the outbox has delivered everything, so counting the mailbox is final.</summary>
    public static async Task WaitForOutboxDrainedAsync(string connectionString)
    {
        await using var engine = new EngineReader(connectionString);
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var undelivered = 0;
            foreach (var status in new[] { OutboxStatuses.Pending, OutboxStatuses.DeadLettered, OutboxStatuses.Dropped })
            {
                undelivered += (await engine.Outbox.ListAsync(new OutboxFilter(Status: status), CancellationToken.None)).Count;
            }

            if (undelivered == 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException("the outbox still holds undelivered messages");
    }
}
