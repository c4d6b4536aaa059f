using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

public sealed class YouthCaseFollowUpTests() : ChainTestBase("youth-case-followup")
{
    private const string School = "kee-sch-chenggong-jh";
    private static readonly YouthCaseFollowUpInput Input = new("case-1", "TIP-115-000009", "TW-KEE", School);

    [Fact]
    public async Task Twelve_weeks_of_counselling_close_only_on_a_negative_test_recorded_after_the_period()
    {
        var instance = await StartAsync(Input);
        Assert.Equal("春暉小組輔導中（第1輪）", await StatusAsync(instance.Id));
        Assert.Empty(await PendingAsync(instance.Id));

        // Sessions are counted; a negative test during the period does not close the case.
        Assert.Equal([instance.Id], await RecordAsync(CounsellingRecordEvent.Session, null));
        Assert.Equal([instance.Id], await RecordAsync(CounsellingRecordEvent.Session, null));
        await AdvanceAsync(TimeSpan.FromDays(42));
        Assert.Equal([instance.Id], await RecordAsync(CounsellingRecordEvent.Retest, "negative"));
        Assert.Equal(WorkflowStatus.Suspended, (await Engine.ReloadAsync(instance.Id)).Status);

        await AdvanceAsync(TimeSpan.FromDays(42));
        Assert.Equal("春暉小組輔導期滿（第1輪），待尿液篩檢結果", await StatusAsync(instance.Id));
        // A test not taken leaves the case waiting; the negative one after the period closes it.
        Assert.Equal([instance.Id], await RecordAsync(CounsellingRecordEvent.Retest, "not-taken"));
        Assert.Equal(WorkflowStatus.Suspended, (await Engine.ReloadAsync(instance.Id)).Status);
        Assert.Equal([instance.Id], await RecordAsync(CounsellingRecordEvent.Retest, "negative"));

        var done = await Engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, done.Status);
        Assert.Equal("輔導結案（期滿尿篩陰性）", await StatusAsync(instance.Id));
        Assert.Equal(2, done.State.Variables["sessions"]!.GetValue<int>());
        Assert.Empty(done.Bookmarks);
    }

    [Fact]
    public async Task A_positive_retest_starts_a_second_round_and_a_second_positive_refers_the_case_for_follow_up()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var instance = await StartAsync(Input);
        await AdvanceAsync(TimeSpan.FromDays(20));
        await RecordAsync(CounsellingRecordEvent.Retest, "positive");
        Assert.Equal("春暉小組輔導中（第2輪）", await StatusAsync(instance.Id));

        // The second round's period counts from its own start: the first round's timers were withdrawn.
        await AdvanceAsync(TimeSpan.FromDays(70));
        Assert.Equal("春暉小組輔導中（第2輪）", await StatusAsync(instance.Id));
        await RecordAsync(CounsellingRecordEvent.Retest, "positive");

        var referral = await TaskAsync(instance.Id, "受理轉介個案（戒治、醫療或司法）");
        Assert.Equal(directory.DrugPreventionCentreFor("TW-KEE").Id, Agency(referral));
        // The follow-up no longer waits for counselling records: one recorded now resumes nothing.
        Assert.Empty(await RecordAsync(CounsellingRecordEvent.Retest, "negative"));
        await CompleteAsync(instance.Id, "受理轉介個案（戒治、醫療或司法）");
        Assert.Equal("已轉介毒品危害防制中心，聯絡處定期追蹤", await StatusAsync(instance.Id));

        await AdvanceAsync(TimeSpan.FromDays(30));
        var follow = await TaskAsync(instance.Id, "定期追蹤轉介個案");
        Assert.Equal(directory.LiaisonOfficeFor("TW-KEE").Id, Agency(follow));
        await CompleteAsync(instance.Id, "定期追蹤轉介個案", "持續追蹤");
        await AdvanceAsync(TimeSpan.FromDays(30));
        await CompleteAsync(instance.Id, "定期追蹤轉介個案", "結案");

        Assert.Equal(WorkflowStatus.Finished, (await Engine.ReloadAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task A_school_that_records_no_test_after_the_period_is_reported_and_the_round_counts_as_failed()
    {
        var instance = await StartAsync(Input);
        await AdvanceAsync(TimeSpan.FromDays(42));
        await AdvanceAsync(TimeSpan.FromDays(42));
        await AdvanceAsync(TimeSpan.FromDays(7));

        var late = (await Engine.Instances.JournalAsync(instance.Id, CancellationToken.None)).Where(e => e.Event == "Notified").Select(e => e.Message).ToList();
        Assert.Contains(late, m => m!.Contains("學校逾期未回報輔導期滿篩檢結果", StringComparison.Ordinal));
        Assert.Equal("春暉小組輔導中（第2輪）", await StatusAsync(instance.Id));
    }

    [Fact]
    public async Task A_student_who_transfers_is_handed_to_the_receiving_school_and_counselling_stops_waiting()
    {
        var instance = await StartAsync(Input);
        await AdvanceAsync(TimeSpan.FromDays(42));

        var resumed = await Engine.Runtime.TriggerEventAsync(StudentTransitionEvent.EventName, "case-1", new StudentTransitionEvent("kee-sch-nanrong-jh").ToJson(), CancellationToken.None);

        Assert.Equal([instance.Id], resumed);
        Assert.DoesNotContain((await Engine.ReloadAsync(instance.Id)).Bookmarks, b => b.ActivityId is "wait-record" or "wait-period");
        Assert.Equal("kee-sch-nanrong-jh", Agency(await TaskAsync(instance.Id, "轉銜評估並接續輔導")));
        await CompleteAsync(instance.Id, "轉銜評估並接續輔導");
        Assert.Equal("已辦理轉銜，聯絡處定期追蹤", await StatusAsync(instance.Id));
    }

    [Fact]
    public async Task A_student_who_leaves_school_goes_to_the_drug_prevention_centre()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var instance = await StartAsync(Input);

        await Engine.Runtime.TriggerEventAsync(StudentTransitionEvent.EventName, "case-1", new StudentTransitionEvent(ReceivingSchoolId: null).ToJson(), CancellationToken.None);

        Assert.Equal(directory.DrugPreventionCentreFor("TW-KEE").Id, Agency(await TaskAsync(instance.Id, "轉銜個案接續輔導")));
    }

    private Task<IReadOnlyList<string>> RecordAsync(string kind, string? result) =>
        Engine.Runtime.TriggerEventAsync(
            CounsellingRecordEvent.EventName, "case-1", new CounsellingRecordEvent(Guid.NewGuid().ToString("N"), kind, DateOnly.FromDateTime(Engine.Clock.GetUtcNow().UtcDateTime), result).ToJson(), CancellationToken.None);
}
