using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Milestones;
using Xunit;

namespace AntiDrugFlow.Tests.Milestones;

public sealed class MilestoneCatalogValidationTests
{
    private static JsonObject Catalog(Action<JsonObject> change)
    {
        var item = new JsonObject
        {
            ["id"] = "enforcement-6-1",
            ["group"] = "緝毒合作組",
            ["section"] = "緝毒",
            ["strategy"] = "（六）強化軍中毒品及擴散源之查緝",
            ["number"] = "1",
            ["action"] = "國防部與檢察及司法警察機關建立查詢、通報及查緝機制。",
            ["scheduleText"] = "106年8月底前",
            ["schedule"] = new JsonArray(new JsonObject { ["kind"] = "deadline", ["due"] = "2017-08-31T23:59:59+08:00" }),
            ["leadAgencies"] = new JsonArray("國防部（憲指部）"),
            ["coAgencies"] = new JsonArray("內政部（警政署）"),
        };
        change(item);
        return new JsonObject
        {
            ["title"] = "新世代反毒策略行動綱領",
            ["source"] = "test",
            ["documentRocYear"] = 106,
            ["fromRocYear"] = 106,
            ["untilRocYear"] = 109,
            ["items"] = new JsonArray(item),
        };
    }

    private static async Task<MilestoneCatalogException> LoadFails(string contents)
    {
        using var file = new TemporaryFile(contents);
        return await Assert.ThrowsAsync<MilestoneCatalogException>(() => MilestoneCatalog.LoadAsync(file.Path, CancellationToken.None));
    }

    [Fact]
    public async Task Valid_minimal_catalog_loads()
    {
        using var file = new TemporaryFile(Catalog(_ => { }).ToJsonString());

        var catalog = await MilestoneCatalog.LoadAsync(file.Path, CancellationToken.None);

        Assert.Equal("enforcement-6-1", Assert.Single(catalog.Items).Id);
    }

    [Theory]
    [InlineData("leadAgencies")]
    [InlineData("action")]
    [InlineData("scheduleText")]
    [InlineData("schedule")]
    [InlineData("coAgencies")]
    public async Task Missing_field_is_reported_with_the_item_id_and_field(string field)
    {
        var error = await LoadFails(Catalog(item => item.Remove(field)).ToJsonString());

        Assert.Equal("enforcement-6-1", error.ItemId);
        Assert.Equal(field, error.Field);
        Assert.Contains("'enforcement-6-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stored_schedule_that_disagrees_with_its_text_is_rejected()
    {
        var error = await LoadFails(Catalog(item =>
            item["schedule"] = new JsonArray(new JsonObject { ["kind"] = "deadline", ["due"] = "2017-09-30T23:59:59+08:00" })).ToJsonString());

        Assert.Equal("schedule", error.Field);
        Assert.Contains("2017-08-31T23:59:59+08:00", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreadable_schedule_text_is_rejected_with_the_text_quoted()
    {
        var error = await LoadFails(Catalog(item => item["scheduleText"] = "明年再議").ToJsonString());

        Assert.Equal("scheduleText", error.Field);
        Assert.Contains("「明年再議」", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step_without_the_field_its_kind_needs_is_rejected()
    {
        var error = await LoadFails(Catalog(item =>
            item["schedule"] = new JsonArray(new JsonObject { ["kind"] = "deadline" })).ToJsonString());

        Assert.Equal("schedule[0]", error.Field);
        Assert.Contains("'due'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_group_is_rejected()
    {
        var error = await LoadFails(Catalog(item => item["group"] = "宣導組").ToJsonString());

        Assert.Equal("group", error.Field);
        Assert.Contains("宣導組", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_id_is_rejected()
    {
        var catalog = Catalog(_ => { });
        var items = catalog["items"]!.AsArray();
        items.Add(items[0]!.DeepClone());

        var error = await LoadFails(catalog.ToJsonString());

        Assert.Equal("id", error.Field);
        Assert.Equal("enforcement-6-1", error.ItemId);
    }

    [Fact]
    public async Task Broken_json_is_reported_with_its_position()
    {
        var error = await LoadFails("{\"title\": \"x\", \"items\": [ { \"id\": 5 } ]}");

        Assert.Contains("$.items[0].id", error.Message, StringComparison.Ordinal);
    }
}
