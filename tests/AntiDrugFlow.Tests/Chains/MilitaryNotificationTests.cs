using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

public sealed class MilitaryNotificationTests() : ChainTestBase("military-notification")
{
    [Fact]
    public async Task Police_who_find_a_service_member_notify_the_area_military_police_who_pass_it_to_the_ministry()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var instance = await StartAsync(new MilitaryNotificationInput("case-1", "MIL-115-000001", "TW-KEE", MilitaryDirections.ToMilitary, "kee-p1-zhong-er-rd", MilitarySchoolId: null));

        Assert.Equal(directory.MilitaryPoliceOfArea("TW-KEE").Id, Agency(await TaskAsync(instance.Id, "確認收到國軍涉毒案件通報並轉報國防部")));
        await CompleteAsync(instance.Id, "確認收到國軍涉毒案件通報並轉報國防部");
        Assert.Equal("mnd", Agency(await TaskAsync(instance.Id, "知悉國軍涉毒案件")));
        await CompleteAsync(instance.Id, "知悉國軍涉毒案件");

        Assert.Equal(WorkflowStatus.Finished, (await Engine.ReloadAsync(instance.Id)).Status);
        Assert.Equal("國防部已知悉", await StatusAsync(instance.Id));
    }

    [Fact]
    public async Task A_military_police_unit_that_finds_a_case_notifies_prosecutors_and_police_for_tracing()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var instance = await StartAsync(new MilitaryNotificationInput("case-1", "MIL-115-000002", "TW-KEE", MilitaryDirections.FromMilitary, "mp-keelung", MilitarySchoolId: null));

        Assert.Equal(directory.ProsecutorsFor("TW-KEE").Id, Agency(await TaskAsync(instance.Id, "受理國軍毒品案件")));
        Assert.Equal(directory.PoliceBureauFor("TW-KEE").Id, Agency(await TaskAsync(instance.Id, "溯源查察藥頭")));
        await CompleteAsync(instance.Id, "受理國軍毒品案件");
        await CompleteAsync(instance.Id, "溯源查察藥頭", "偵辦中");

        Assert.Equal("地檢署及警方均已處理", await StatusAsync(instance.Id));
    }

    [Theory]
    [InlineData("school-to-military-police", "mil-ndu", "mp-taoyuan", "確認收到軍事院校涉毒案件通報")]
    [InlineData("military-police-to-school", "mp-taoyuan", "mil-ndu", "確認收到憲兵隊涉毒案件通報")]
    public async Task Military_police_and_military_schools_notify_each_other(string direction, string origin, string expected, string taskName)
    {
        var instance = await StartAsync(new MilitaryNotificationInput("case-1", "MIL-115-000003", "TW-TAO", direction, origin, MilitarySchoolId: "mil-ndu"));

        Assert.Equal(expected, Agency(await TaskAsync(instance.Id, taskName)));
        await AdvanceAsync(TimeSpan.FromHours(24));

        Assert.Contains(await Engine.Instances.JournalAsync(instance.Id, CancellationToken.None), j => j.Event == "Notified" && j.Message!.Contains("逾期未確認", StringComparison.Ordinal));
        Assert.Equal(WorkflowStatus.Finished, (await Engine.ReloadAsync(instance.Id)).Status);
    }
}
