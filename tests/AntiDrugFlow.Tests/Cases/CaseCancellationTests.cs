using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Workflows.Outbox;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>An administrator cancels the instance of a case with a reason: the case shows it and the starting agency is told.</summary>
public sealed class CaseCancellationTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_cancelled_case_reads_cancelled_shows_the_reason_in_its_timeline_and_the_school_gets_a_notice_without_it()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var created = await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2, subjectName = "王小明" }));
        var caseId = created["id"]!.GetValue<string>();
        var caseNumber = created["caseNumber"]!.GetValue<string>();
        var instanceId = (await _host.InstancesAsync(new(CorrelationId: caseId))).Single().Id;

        var admin = await _host.SignedInAsync("admin");
        var cancelled = await admin.PostAsJsonAsync($"/api/workflow-instances/{instanceId}/cancel", new { reason = "學校重複通報，併入另案" });

        Assert.Equal(HttpStatusCode.NoContent, cancelled.StatusCode);
        var view = await ChainsHost.BodyAsync(await school.GetAsync($"/api/cases/{caseId}"));
        Assert.Equal("已取消", view["status"]!.GetValue<string>());
        var timeline = (await ChainsHost.BodyAsync(await school.GetAsync($"/api/cases/{caseId}/timeline"))).AsArray();
        var entry = Assert.Single(timeline, e => e!["event"]!.GetValue<string>() == "WorkflowCancelled");
        Assert.StartsWith("學校重複通報，併入另案", entry!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var notice = Assert.Single(await _host.OutboxAsync(new OutboxFilter(IdempotencyKey: $"case-cancelled:{caseId}")));
        Assert.Equal($"案件 {caseNumber} 已取消", notice.Payload["subject"]!.GetValue<string>());
        var body = notice.Payload["body"]!.GetValue<string>();
        Assert.Contains(caseNumber, body, StringComparison.Ordinal);
        Assert.DoesNotContain("併入另案", body, StringComparison.Ordinal);
        Assert.DoesNotContain("王小明", body, StringComparison.Ordinal);
        Assert.NotEmpty(notice.Payload["to"]!.AsArray());
    }

    [Fact]
    public async Task Instances_and_the_audit_log_are_found_by_case_number_and_a_missing_case_page_speaks_of_cases()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var created = await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 }));
        var caseId = created["id"]!.GetValue<string>();
        var caseNumber = created["caseNumber"]!.GetValue<string>();
        var instanceId = (await _host.InstancesAsync(new(CorrelationId: caseId))).Single().Id;
        var admin = await _host.SignedInAsync("admin");

        var instances = WebUtility.HtmlDecode(await admin.GetStringAsync($"/admin/instances?correlation={caseNumber}"));
        var audit = WebUtility.HtmlDecode(await admin.GetStringAsync($"/admin/audit?case={caseNumber}"));
        var missing = await school.GetAsync("/cases/no-such-case");

        Assert.Contains(instanceId, instances, StringComparison.Ordinal);
        Assert.Contains("case.create", audit, StringComparison.Ordinal);
        Assert.Contains(caseId, audit, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var page = WebUtility.HtmlDecode(await missing.Content.ReadAsStringAsync());
        Assert.Contains("找不到這個案件", page, StringComparison.Ordinal);
        Assert.DoesNotContain("工作流程定義", page[page.IndexOf("<main", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }
}
