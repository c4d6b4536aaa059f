using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>The audit row of a task's acknowledgement commits with the step that acknowledges it: the task is done if and only if it is audited.</summary>
public sealed class TaskActionAuditTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task An_acknowledgement_whose_audit_row_cannot_be_written_leaves_the_task_open_and_one_that_can_closes_it_with_its_row()
    {
        using var school = await _host.SignedInAsync("school.kl-xinyi-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 })))["id"]!.GetValue<string>();
        using var station = await _host.SignedInAsync("police.kl-xinyi");
        var taskId = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!["taskId"]!.GetValue<string>();

        // The audit log refuses the acknowledgement's row.
        var refusal = await _host.RefuseAuditRowsAsync("task.acknowledge");
        using (var refused = await station.PostAsync($"/api/inbox/{taskId}/acknowledge", null))
        {
            Assert.NotEqual(HttpStatusCode.NoContent, refused.StatusCode);
        }

        var task = await _host.Tasks.GetTaskAsync(taskId, CancellationToken.None);
        Assert.Equal(AntiDrugFlow.Workflows.Runtime.HumanTaskStatus.Pending, task!.Status);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'task.acknowledge'"));

        await refusal.DisposeAsync();
        using (var accepted = await station.PostAsync($"/api/inbox/{taskId}/acknowledge", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        }

        Assert.NotEqual(AntiDrugFlow.Workflows.Runtime.HumanTaskStatus.Pending, (await _host.Tasks.GetTaskAsync(taskId, CancellationToken.None))!.Status);
        Assert.Equal(1L, await _host.ScalarAsync<long>($"SELECT count(*) FROM audit_log WHERE action = 'task.acknowledge' AND case_id = '{caseId}'"));
    }
}
