namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>Quartz and reminder settings, bound from the "Deadlines" configuration section.</summary>
public sealed class DeadlineOptions
{
    /// <summary>The cluster's scheduler name: every host on one database must use the same.</summary>
    public string SchedulerName { get; set; } = "AntiDrugFlow";

    /// <summary>This host's id in the cluster; empty means one is generated (host name and a timestamp).</summary>
    public string? InstanceId { get; set; }

    /// <summary>Jobs that may run at once on this host.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Triggers acquired in one round; more than one lets a burst of due timers fire together. At most <see cref="MaxConcurrency"/>.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>How long Quartz sleeps when nothing is due (a new trigger wakes it early on this host). At least one second.</summary>
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How far past its time a trigger may be before it counts as misfired (fired once by the misfire handler).</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(7.5);

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

    /// <summary>When the weekly overdue digest goes out (Quartz cron, Asia/Taipei): Mondays 09:00.</summary>
    public string OverdueDigestCron { get; set; } = "0 0 9 ? * MON";

    /// <summary>The catalog loaded at start-up, as the cycle its plan starts in, unless that cycle exists.</summary>
    public string? CatalogFile { get; set; }

    /// <summary>Lead agencies' and the planning group's addresses for reminders.</summary>
    public string? ContactsFile { get; set; }

    /// <summary>A link put in reminders, e.g. the milestone page of this system.</summary>
    public string? LinkBase { get; set; }
}
