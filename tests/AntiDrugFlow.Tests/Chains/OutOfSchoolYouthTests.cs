using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

public sealed class OutOfSchoolYouthTests() : ChainTestBase("out-of-school-youth")
{
    private const string Reporter = "kee-p1-zhong-er-rd";
    private static readonly OutOfSchoolYouthInput Input = new("case-1", "OSY-115-000001", "TW-KEE", Reporter, DrugLevel: 3);

    [Fact]
    public async Task The_reporter_must_file_a_child_protection_report_within_24_hours_and_the_counselling_committee_decides_within_14_days()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var instance = await StartAsync(Input);

        var report = await TaskAsync(instance.Id, "24小時內完成兒少保護通報（兒少法第53條）");
        Assert.Equal(Reporter, Agency(report));
        Assert.Equal(Engine.Clock.GetUtcNow().AddHours(24).ToString("O"), report.Payload!["dueAt"]!.GetValue<string>());
        var decide = await TaskAsync(instance.Id, "14日內決定是否收案並告知轉介者");
        Assert.Equal(directory.JuvenileCounsellingFor("TW-KEE").Id, Agency(decide));
        Assert.Equal(Engine.Clock.GetUtcNow().AddDays(14).ToString("O"), decide.Payload!["dueAt"]!.GetValue<string>());

        await CompleteAsync(instance.Id, "24小時內完成兒少保護通報（兒少法第53條）", "完成");
        Assert.Equal(directory.SocialAffairsFor("TW-KEE").Id, Agency(await TaskAsync(instance.Id, "受理兒少保護通報並評估後續處遇")));
        await CompleteAsync(instance.Id, "受理兒少保護通報並評估後續處遇");
        await CompleteAsync(instance.Id, "14日內決定是否收案並告知轉介者", "收案");
        Assert.Equal("少年輔導委員會收案輔導", await StatusAsync(instance.Id));

        await CompleteAsync(instance.Id, "輔導結案後回報", "結案");
        await AdvanceAsync(TimeSpan.FromDays(182));
        await CompleteAsync(instance.Id, "結案後追蹤6個月並回報", "追蹤完成");

        Assert.Equal(WorkflowStatus.Finished, (await Engine.ReloadAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task A_committee_that_lets_14_days_pass_is_reported_to_the_referrer()
    {
        var instance = await StartAsync(Input);

        await AdvanceAsync(TimeSpan.FromDays(14));

        Assert.Equal("少年輔導委員會逾期未決定", await StatusAsync(instance.Id));
        Assert.Contains(await Engine.Instances.JournalAsync(instance.Id, CancellationToken.None), j => j.Event == "Notified" && j.Message!.Contains("逾期未決定是否收案", StringComparison.Ordinal));
    }
}
