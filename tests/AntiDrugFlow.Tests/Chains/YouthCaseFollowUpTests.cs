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
    public async Task Twelve_weeks_of_counselling_with_retests_close_only_on_a_negative_test()
    {
        var instance = await StartAsync(Input);
        Assert.Equal("春暉小組輔導中（第1輪）", await StatusAsync(instance.Id));
        Assert.Empty(await PendingAsync(instance.Id));

        await AdvanceAsync(TimeSpan.FromDays(42));
        await CompleteAsync(instance.Id, "執行不預警尿液篩檢並回報結果", "陰性");
        await AdvanceAsync(TimeSpan.FromDays(42));
        var closing = await TaskAsync(instance.Id, "輔導期滿尿液篩檢並回報結果");
        Assert.Equal(School, Agency(closing));
        await CompleteAsync(instance.Id, "輔導期滿尿液篩檢並回報結果", "陰性");

        var done = await Engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, done.Status);
        Assert.Equal("輔導結案（期滿尿篩陰性）", await StatusAsync(instance.Id));
        Assert.Empty(done.Bookmarks);
    }

    [Fact]
    public async Task A_positive_closing_test_starts_a_second_round_and_a_second_failure_refers_the_case_for_follow_up()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var instance = await StartAsync(Input);
        for (var round = 1; round <= 2; round++)
        {
            await AdvanceAsync(TimeSpan.FromDays(42));
            await CompleteAsync(instance.Id, "執行不預警尿液篩檢並回報結果", "陽性");
            await AdvanceAsync(TimeSpan.FromDays(42));
            await CompleteAsync(instance.Id, "輔導期滿尿液篩檢並回報結果", "陽性");
            if (round == 1)
            {
                Assert.Equal("春暉小組輔導中（第2輪）", await StatusAsync(instance.Id));
            }
        }

        var referral = await TaskAsync(instance.Id, "受理轉介個案（戒治、醫療或司法）");
        Assert.Equal(directory.DrugPreventionCentreFor("TW-KEE").Id, Agency(referral));
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
    public async Task A_student_who_transfers_is_handed_to_the_receiving_school_and_counselling_tasks_are_withdrawn()
    {
        var instance = await StartAsync(Input);
        await AdvanceAsync(TimeSpan.FromDays(42));
        var retest = await TaskAsync(instance.Id, "執行不預警尿液篩檢並回報結果");

        var resumed = await Engine.Runtime.TriggerEventAsync(StudentTransitionEvent.EventName, "case-1", new StudentTransitionEvent("kee-sch-nanrong-jh").ToJson(), CancellationToken.None);

        Assert.Equal([instance.Id], resumed);
        Assert.Equal(HumanTaskStatus.Cancelled, (await Engine.Instances.GetTaskAsync(retest.Id, CancellationToken.None))!.Status);
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
}
