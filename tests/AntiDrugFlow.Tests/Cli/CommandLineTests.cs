using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Cli;

/// <summary>The Host's command line: validate, run, import, roc parse.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("adf-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Validate_prints_each_error_as_file_path_zh_TW_message_and_code_and_exits_1()
    {
        var bad = Write("bad.json", new Flow("bad").Activity("w", "Elsa.WriteLine").Connect("w", "ghost").Json());

        var (code, output, _) = await RunAsync("definitions", "validate", bad);

        Assert.Equal(CommandLine.Failed, code);
        Assert.Equal(
            [
                $"{bad}: $.root.activities[0].text: Elsa.WriteLine 活動必須設定輸入「text」 [activity.input-missing]",
                $"{bad}: $.root.connections[0].target: 連線的目標「ghost」不是此流程圖中的活動 [connection.unknown-target]",
                "1 個定義中有 0 個正確",
            ],
            Lines(output));
    }

    [Fact]
    public async Task Validate_takes_a_folder_skips_data_files_and_refuses_files_that_are_not_JSON()
    {
        Write("good.json", new Flow("good").WriteLine("a", "a").Json());
        Write("catalog.json", "{\"items\":[]}");
        Directory.CreateDirectory(Path.Combine(_folder, "nested"));
        var broken = Write(Path.Combine("nested", "broken.json"), "this is not JSON");

        var (code, output, _) = await RunAsync("definitions", "validate", _folder);

        Assert.Equal(CommandLine.Failed, code);
        Assert.Equal(
            [$"{broken}: $: JSON 格式有誤：第 1 行第 2 個字，「this is not JSON」不是有效的 JSON 常值（應為 true、false 或 null） [json.malformed]", "2 個定義中有 1 個正確"],
            Lines(output));
    }

    [Fact]
    public async Task Validate_names_a_missing_path_and_a_JSON_file_that_is_no_definition()
    {
        var missing = Path.Combine(_folder, "missing.json");
        var data = Write("catalog.json", "{\"items\":[]}");

        var (code, output, _) = await RunAsync("definitions", "validate", missing, data);

        Assert.Equal(CommandLine.Failed, code);
        Assert.Equal(
            [
                $"{missing}: $: 找不到檔案或資料夾「{missing}」 [file.not-found]",
                $"{data}: $.root: 這個檔案不是工作流程定義：沒有根活動 root [file.not-a-definition]",
                "2 個定義中有 0 個正確",
            ],
            Lines(output));
    }

    [Fact]
    public async Task Validate_exits_0_when_every_definition_is_valid_including_the_shipped_ones()
    {
        Write("good.json", new Flow("good").WriteLine("a", "a").Json());

        var (code, _, _) = await RunAsync("definitions", "validate", _folder, Path.Combine(ProjectRoot(), "workflows-json"));

        Assert.Equal(CommandLine.Ok, code);
    }

    [Fact]
    public async Task Run_prints_each_WriteLine_and_exits_0_when_finished()
    {
        var file = Write("run.json", new Flow("run")
            .Activity("a", "Elsa.WriteLine", ("text", Js("'level ' + getLevel()")))
            .WriteLine("b", "完成").Chain("a", "b").Json());

        var (code, output, _) = await RunAsync("definitions", "run", file, "--input", "{\"level\":2}");

        Assert.Equal(CommandLine.Ok, code);
        Assert.Equal(["level 2", "完成"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Run_exits_3_when_the_workflow_waits()
    {
        var file = Write("wait.json", new Flow("wait").WriteLine("a", "before").Activity("t", "Elsa.RunTask", ("taskName", Literal("受理"))).Chain("a", "t").Json());

        var (code, output, error) = await RunAsync("definitions", "run", file);

        Assert.Equal(CommandLine.Waiting, code);
        Assert.Equal("before", output.Trim());
        Assert.Contains("Task '受理'", error);
    }

    [Fact]
    public async Task Run_exits_1_with_the_reason_on_stderr_when_the_workflow_faults()
    {
        var file = Write("fault.json", new Flow("fault").Activity("a", "Elsa.WriteLine", ("text", Js("undefinedThing.x"))).Json());

        var (code, _, error) = await RunAsync("definitions", "run", file);

        Assert.Equal(CommandLine.Failed, code);
        Assert.Equal("faulted: 活動「a」在 $.root.activities[0].text.expression 出錯：JavaScript 執行失敗：undefinedThing is not defined", error.Trim());
    }

    [Fact]
    public async Task Run_delivers_an_event_the_workflow_publishes_to_itself()
    {
        var file = Write("self-event.json", new Flow("self-event")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Wait\",\"Publish\"]")))
            .Activity("wait", "Elsa.Event", ("eventName", Literal("ping")))
            .Activity("publish", "Elsa.PublishEvent", ("eventName", Literal("ping")))
            .WriteLine("after", "pong")
            .Connect("fork", "wait", "Wait").Connect("fork", "publish", "Publish").Connect("wait", "after").Json());

        var (code, output, _) = await RunAsync("definitions", "run", file);

        Assert.Equal(CommandLine.Ok, code);
        Assert.Equal("pong", output.Trim());
    }

    [Fact]
    public async Task Import_loads_definitions_into_the_database_and_a_second_import_changes_nothing()
    {
        Write("imported.json", new Flow("imported").WriteLine("a", "a").Json());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:AntiDrugFlow"] = await TestPostgres.CreateDatabaseAsync(migrate: false),
        }).Build();

        var first = await RunAsync(configuration, "definitions", "import", _folder);
        var second = await RunAsync(configuration, "definitions", "import", _folder);

        Assert.Equal(CommandLine.Ok, first.Code);
        Assert.Contains("imported v1 published", first.Output);
        Assert.Contains("imported v1 unchanged", second.Output);
    }

    /// <summary>The input of each shipped sample; the chains' inputs are <see cref="ChainSamples"/>.</summary>
    private static readonly Dictionary<string, JsonObject> SampleInputs = new() { ["hello-world"] = new JsonObject { ["level"] = 2 } };

    public static TheoryData<string> ShippedDefinitions() => [.. ShippedJson().Where(f => IsDefinition(f))];

    public static TheoryData<string> ShippedDataFiles() => [.. ShippedJson().Where(f => !IsDefinition(f))];

    [Theory]
    [MemberData(nameof(ShippedDefinitions))]
    public async Task Validate_accepts_each_definition_shipped_in_workflows_json(string file)
    {
        var (code, output, _) = await RunAsync("definitions", "validate", file);

        Assert.Equal(CommandLine.Ok, code);
        Assert.Equal(["1 個定義中有 1 個正確"], Lines(output));
    }

    [Theory]
    [MemberData(nameof(ShippedDataFiles))]
    public async Task Validate_names_each_data_file_of_workflows_json_as_no_definition_when_given_it_by_name(string file)
    {
        var (code, output, _) = await RunAsync("definitions", "validate", file);

        Assert.Equal(CommandLine.Failed, code);
        Assert.Equal([$"{file}: $.root: 這個檔案不是工作流程定義：沒有根活動 root [file.not-a-definition]", "1 個定義中有 0 個正確"], Lines(output));
    }

    [Theory]
    [MemberData(nameof(ShippedDefinitions))]
    public async Task Run_takes_each_shipped_definition_to_its_end_or_its_first_wait(string file)
    {
        var definitionId = JsonNode.Parse(await File.ReadAllTextAsync(file))!["definitionId"]!.GetValue<string>();
        var chain = ChainSamples.Inputs.SingleOrDefault(i => i.DefinitionId == definitionId);
        var input = chain?.ToJson() ?? SampleInputs[definitionId];

        var (code, output, error) = await RunAsync("definitions", "run", file, "--input", input.ToJsonString());

        // A chain routes its first task to an agency (or sets a timer) and waits; a sample without tasks runs to its end.
        if (chain is null)
        {
            Assert.Equal(CommandLine.Ok, code);
            Assert.Empty(error);
            Assert.NotEmpty(Lines(output));
        }
        else
        {
            Assert.Equal(CommandLine.Waiting, code);
            Assert.StartsWith("waiting: ", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Import_of_workflows_json_chains_publishes_the_five_chains_readable_through_the_definition_service()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrate: false);
        var configuration = TestConfiguration.With(("ConnectionStrings:AntiDrugFlow", connectionString));

        // The path as the README gives it, relative to the repository's root rather than the test's working directory.
        var (code, output, _) = await RunAsync(configuration, "definitions", "import", "workflows-json/chains");

        Assert.Equal(CommandLine.Ok, code);
        Assert.Equal("5 definitions imported, 0 refused", Lines(output)[^1]);
        await using var services = await CommandLine.ComposeAsync(connectionString, configuration, CancellationToken.None);
        var definitions = services.GetRequiredService<WorkflowDefinitionService>();
        foreach (var chain in ChainSamples.Inputs.Select(i => i.DefinitionId))
        {
            var published = await definitions.PublishedAsync(chain, CancellationToken.None);
            Assert.Equal(chain, published?.DefinitionId);
            Assert.Equal(1, published!.Version);
        }
    }

    [Fact]
    public async Task Roc_parse_prints_the_due_time_as_JSON()
    {
        var (code, output, _) = await RunAsync("roc", "parse", "106年8月底前");

        Assert.Equal(CommandLine.Ok, code);
        Assert.Contains("\"due\":\"2017-08-31T23:59:59+08:00\"", output);
    }

    [Fact]
    public async Task An_unknown_verb_prints_usage_and_exits_2()
    {
        var (code, _, error) = await RunAsync("definitions", "frobnicate");

        Assert.Equal(CommandLine.Usage, code);
        Assert.Contains("usage:", error);
    }

    internal static string ProjectRoot() => Host.Infrastructure.ProjectPaths.Root();

    private static IEnumerable<string> ShippedJson() =>
        Directory.EnumerateFiles(Path.Combine(ProjectRoot(), "workflows-json"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static bool IsDefinition(string file) => JsonNode.Parse(File.ReadAllText(file)) is JsonObject document && document.ContainsKey("root");

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(null, args);

    private static async Task<(int Code, string Output, string Error)> RunAsync(IConfiguration? configuration, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(args, output, error, CancellationToken.None, configuration);
        return (code, output.ToString(), error.ToString());
    }
}
