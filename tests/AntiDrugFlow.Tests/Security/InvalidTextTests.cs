using System.Net;
using System.Net.Http.Json;
using System.Text;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>Text PostgreSQL cannot store (NUL, an unpaired surrogate) is a 400 naming where it is, never a 500.</summary>
public sealed class InvalidTextTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_NUL_in_a_user_name_is_a_400_naming_the_field()
    {
        using var anonymous = _host.Factory.CreateClient();

        var response = await anonymous.PostAsJsonAsync("/api/account/login", new { userName = "ad\0min", password = ChainsHost.Password });

        await AssertNamedAsync(response, "$.userName");
    }

    [Fact]
    public async Task A_NUL_in_a_note_is_a_400_and_the_task_stays_pending()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3 })))["id"]!.GetValue<string>();
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var task = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{task["taskId"]}/acknowledge", null)).StatusCode);
        var outcome = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;

        var response = await station.PostAsJsonAsync($"/api/inbox/{outcome["taskId"]}/complete", new { outcome = "查獲", note = "a\0b" });

        await AssertNamedAsync(response, "$.note");
        Assert.Contains((await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray(), t => t!["taskId"]!.GetValue<string>() == outcome["taskId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_control_character_in_a_note_gets_the_shared_rules_reason_and_the_task_stays_pending()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3 })))["id"]!.GetValue<string>();
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var acknowledge = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{acknowledge["taskId"]}/acknowledge", null)).StatusCode);
        var task = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;

        // An escape character passes the JSON guard (JSON may carry it) and is refused by the note's rule.
        var response = await station.PostAsJsonAsync($"/api/inbox/{task["taskId"]}/complete", new { outcome = "查獲", note = "已查獲\u001b[2J" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("說明" + Workflows.Messages.TextRules.Problem("\u001b", Workflows.Messages.TextShape.MultiLine), (await ChainsHost.BodyAsync(response))["errors"]!["note"]![0]!.GetValue<string>());
        Assert.Contains((await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray(), t => t!["taskId"]!.GetValue<string>() == task["taskId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_NUL_or_an_unpaired_surrogate_in_a_definition_is_a_400_naming_where()
    {
        var admin = await _host.SignedInAsync("admin");
        var json = new Flow("bad-text").WriteLine("say", "MARKER").Json();

        var nul = await admin.PostAsync("/api/workflow-definitions", new StringContent(json.Replace("MARKER", "a\\u0000b", StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        var surrogate = await admin.PostAsync("/api/workflow-definitions", new StringContent(json.Replace("MARKER", "a\\ud800b", StringComparison.Ordinal), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, surrogate.StatusCode);
        var path = ApiRequestGuard.InvalidText(Encoding.UTF8.GetBytes(json.Replace("MARKER", "a\\ud800b", StringComparison.Ordinal)))!;
        Assert.Contains(path, await surrogate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.EndsWith(".text.expression.value", path, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/workflow-definitions/bad-text")).StatusCode);
    }

    [Fact]
    public async Task A_NUL_in_a_definition_too_large_for_the_guards_scan_is_a_400_from_the_endpoint()
    {
        var admin = await _host.SignedInAsync("admin");
        var json = new Flow("big-text").WriteLine("say", "MARKER").Json();
        // Over the guard's 8 MB: the padding goes in the description, the NUL in the activity's text.
        var big = json.Replace("\"MARKER\"", "\"a\\u0000b\"", StringComparison.Ordinal).Insert(1, $"\"description\":\"{new string('x', 9 * 1024 * 1024)}\",");
        Assert.True(Encoding.UTF8.GetByteCount(big) > 8 * 1024 * 1024);

        var response = await admin.PostAsync("/api/workflow-definitions", new StringContent(big, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ChainsHost.BodyAsync(response))["errors"]!.AsObject();
        Assert.Contains(errors, e => e.Key.EndsWith(".text.expression.value", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/workflow-definitions/big-text")).StatusCode);
    }

    [Fact]
    public void The_path_names_array_items_and_property_names()
    {
        Assert.Equal("$.a[1].b", ApiRequestGuard.InvalidText("""{"a":[{"b":"ok"},{"b":"x\u0000"}]}"""u8));
        Assert.Equal("$.a.<name>", ApiRequestGuard.InvalidText("""{"a":{"\ud800":1}}"""u8));
        Assert.Null(ApiRequestGuard.InvalidText("""{"a":["\ud83d\ude00","王小明\n"]}"""u8));
    }

    private static async Task AssertNamedAsync(HttpResponseMessage response, string path)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ChainsHost.BodyAsync(response);
        Assert.NotNull(problem["errors"]![path]);
    }
}
