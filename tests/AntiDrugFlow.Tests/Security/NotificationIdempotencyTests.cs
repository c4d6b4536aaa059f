using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.WebPages;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>A notification sent again under its Idempotency-Key makes no second case; the same key with another body is refused.</summary>
public sealed class NotificationIdempotencyTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_retry_with_the_same_key_returns_the_first_case_and_a_different_body_under_it_is_409()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");

        var first = await PostAsync(school, "retry-1", new { kind = "CampusSeizure", drugLevel = 3, subjectName = "王小明" });
        var again = await PostAsync(school, "retry-1", new { kind = "CampusSeizure", drugLevel = 3, subjectName = "王小明" });
        var changed = await PostAsync(school, "retry-1", new { kind = "CampusSeizure", drugLevel = 4, subjectName = "王小明" });
        var other = await PostAsync(school, "retry-2", new { kind = "CampusSeizure", drugLevel = 3, subjectName = "王小明" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var firstId = (await ChainsHost.BodyAsync(first))["id"]!.GetValue<string>();
        Assert.Equal(firstId, (await ChainsHost.BodyAsync(again))["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Equal("application/problem+json", changed.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("王小明", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.Equal(2, (await ChainsHost.BodyAsync(await school.GetAsync("/api/cases"))).AsArray().Count);
        Assert.Equal(2L, await _host.ScalarAsync<long>("SELECT count(*) FROM cases"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM notification_requests WHERE fingerprint_protected LIKE '%王%'"));

        // Another user's key of the same name is theirs.
        var otherSchool = await _host.SignedInAsync("school.kl-xinyi-jh");
        Assert.NotEqual(firstId, (await ChainsHost.BodyAsync(await PostAsync(otherSchool, "retry-1", new { kind = "CampusSeizure", drugLevel = 3 })))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_key_answers_its_first_request_for_thirty_days_then_is_forgotten_and_makes_a_new_case()
    {
        var body = new { kind = "CampusSeizure", drugLevel = 3 };
        var first = await PostAsync(await _host.SignedInAsync("school.kl-chenggong-jh"), "monthly", body);
        var firstId = (await ChainsHost.BodyAsync(first))["id"]!.GetValue<string>();

        _host.Clock.Advance(Workflows.Cases.IdempotencyKeys.Kept - TimeSpan.FromMinutes(1));
        var within = await PostAsync(await _host.SignedInAsync("school.kl-chenggong-jh"), "monthly", body);
        Assert.Equal(firstId, (await ChainsHost.BodyAsync(within))["id"]!.GetValue<string>());

        _host.Clock.Advance(TimeSpan.FromMinutes(2));
        var after = await PostAsync(await _host.SignedInAsync("school.kl-chenggong-jh"), "monthly", body);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        var afterId = (await ChainsHost.BodyAsync(after))["id"]!.GetValue<string>();
        Assert.NotEqual(firstId, afterId);

        // The forgotten key's row went when the new one was stored: one row, naming the new case.
        Assert.Equal([afterId], await _host.ScalarAsync<string[]>("SELECT array_agg(case_id) FROM notification_requests"));
        Assert.Equal(2L, await _host.ScalarAsync<long>("SELECT count(*) FROM cases"));
    }

    [Fact]
    public async Task The_pages_form_sent_twice_makes_one_case()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh", followRedirects: false);
        var token = await PageForm.AntiforgeryTokenAsync(school, "/notifications/new");
        var page = await PageForm.TextAsync(await school.GetAsync("/notifications/new"));
        var key = System.Text.RegularExpressions.Regex.Match(page, "name=\"Form.IdempotencyKey\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(key);
        var occurred = TimeZoneInfo.ConvertTime(_host.Clock.GetUtcNow().AddDays(-1), Workflows.Calendar.TaipeiTime.Zone).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        FormUrlEncodedContent Form() => new([
            new("_handler", "new-notification"), new("__RequestVerificationToken", token), new("Form.IdempotencyKey", key),
            new("Form.Kind", "CampusSeizure"), new("Form.DrugLevel", "3"), new("Form.Step", "confirm"),
            new("Form.OccurredAt", occurred), new("Form.Place", "校門口對面的便利商店"), new("Form.Observed", "下課時間見校外人士交換小包裝物品。"), new("Form.HowFound", "師長觀察發現")]);

        var first = await school.PostAsync("/notifications/new", Form());
        var second = await school.PostAsync("/notifications/new", Form());

        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM cases"));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/notifications") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }
}
