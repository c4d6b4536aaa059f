using AntiDrugFlow.Workflows.Scheduling;

namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>Background job, timer and reminder settings, bound from the "Deadlines" configuration section.</summary>
public sealed class DeadlineOptions
{
    /// <summary>Hangfire, which runs the reminders, the digest and the long operations.</summary>
    public BackgroundJobOptions Jobs { get; set; } = new();

    /// <summary>How often every due reminder and digest not yet sent is looked for (cron, Asia/Taipei).</summary>
    public string CatchUpCron { get; set; } = "*/5 * * * *";

    /// <summary>The engine's timer pump: batch size, parallel batches, poll interval.</summary>
    public TimerPumpOptions Timers { get; set; } = new();

    /// <summary>Days before a deadline that the lead agency is reminded; empty means <see cref="DefaultReminderDays"/>.</summary>
    /// <remarks>Empty by default because configuration binding appends to an array rather than replacing it.</remarks>
    public int[] ReminderDaysBefore { get; set; } = [];

    public static IReadOnlyList<int> DefaultReminderDays { get; } = [30, 7, 1];

    /// <summary>The days in effect: the configured ones, or 30, 7 and 1.</summary>
    public IReadOnlyList<int> ReminderDays => ReminderDaysBefore.Length > 0 ? ReminderDaysBefore : DefaultReminderDays;

    /// <summary>A reminder sent later than this after its planned time says it is late.</summary>
    public TimeSpan LateAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>When the weekly overdue digest goes out (cron: minute hour day month weekday, Asia/Taipei): Mondays 09:00.</summary>
    public string OverdueDigestCron { get; set; } = "0 9 * * 1";

    /// <summary>The digest's schedule; an expression that does not parse is refused naming the setting.</summary>
    public static CronSchedule DigestSchedule(string cron) =>
        CronSchedule.TryParse(cron, out var schedule, out var error)
            ? schedule
            : throw new InvalidOperationException($"Deadlines:OverdueDigestCron '{cron}' is not a cron expression: {error}");

    /// <summary>The catalog loaded at start-up, as the cycle its plan starts in, unless that cycle exists.</summary>
    public string? CatalogFile { get; set; }

    /// <summary>Lead agencies' and the planning group's addresses for reminders.</summary>
    public string? ContactsFile { get; set; }

    /// <summary>A link put in reminders, e.g. the milestone page of this system.</summary>
    public string? LinkBase { get; set; }
}
