using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Cli;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>Inputs are declared once with a type, and the validator refuses literals and variable defaults every run would fault on.</summary>
public sealed class InputTypeTests
{
    private readonly DefinitionValidator _validator = new(ActivityRegistry.WithBuiltIns([.. ChainActivities.All(() => throw new InvalidOperationException("validation never routes"), new ChainOptions())]));

    [Fact]
    public async Task A_deadline_written_in_words_in_a_shipped_chain_is_refused_at_the_path_of_the_input()
    {
        var (chain, index) = await ChainWithRouteTaskAsync();
        chain["root"]!["activities"]![index]!["dueIn"] = Literal("兩小時", "TimeSpan");

        var error = Assert.Single(await ValidateWithEveryActivityAsync(chain));

        Assert.Equal(($"$.root.activities[{index}].dueIn", "input.not-a-duration"), (error.Path, error.Code));
        Assert.Contains("「兩小時」", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_reminder_time_in_a_shipped_chain_is_refused_though_it_parses_as_a_time_span()
    {
        var (chain, index) = await ChainWithRouteTaskAsync();
        chain["root"]!["activities"]![index]!["remindBefore"] = Literal("-01:00:00", "TimeSpan");

        var error = Assert.Single(await ValidateWithEveryActivityAsync(chain));

        Assert.Equal(($"$.root.activities[{index}].remindBefore", "input.negative-duration", "輸入「remindBefore」的時間長度不能是負的：「-01:00:00」"), (error.Path, error.Code, error.Message));
    }

    [Fact]
    public void A_variable_whose_default_is_not_a_duration_is_refused_where_a_deadline_reads_it()
    {
        var errors = _validator.Load(RoutedWithDeadlineVariable("一天")).Errors;

        Assert.Equal(
            [
                ("$.variables[0].value", "variable.default-mismatch", "變數「ackDeadline」宣告為 TimeSpan，但預設值「一天」不是不為負的時間長度"),
                ("$.root.activities[0].dueIn", "input.variable-default-mismatch", "輸入「dueIn」讀取變數「ackDeadline」，但它的預設值「一天」不是不為負的時間長度"),
            ],
            errors.Select(e => (e.Path, e.Code, e.Message)));
    }

    [Theory]
    [InlineData("兩小時")]
    [InlineData("-01:00:00")]
    public async Task The_urgent_deadline_of_the_shipped_tip_off_chain_read_by_JavaScript_is_refused_at_the_variable_and_at_the_route_tasks_input(string deadline)
    {
        var (chain, index) = await TipOffWithUrgentDeadlineAsync(deadline);

        var errors = (await ValidateWithEveryActivityAsync(chain)).Select(e => (e.Path, e.Code)).ToList();

        Assert.Contains((VariablePath(chain, "urgentAckDeadline"), "variable.default-mismatch"), errors);
        Assert.Contains(($"$.root.activities[{index}].dueIn", "input.variable-default-mismatch"), errors);
        Assert.Equal("$.root.activities[5].dueIn", $"$.root.activities[{index}].dueIn");
    }

    [Fact]
    public async Task The_command_line_refuses_the_tip_off_chain_with_a_deadline_in_words_and_exits_1()
    {
        var (chain, _) = await TipOffWithUrgentDeadlineAsync("兩小時");
        var file = Path.Combine(Directory.CreateTempSubdirectory("adf-validate-").FullName, "tip-off-chain.json");
        await File.WriteAllTextAsync(file, chain.ToJsonString());
        using var output = new StringWriter();

        var code = await CommandLine.RunAsync(["definitions", "validate", file], output, TextWriter.Null, CancellationToken.None, TestConfiguration.Empty);

        Assert.Equal(CommandLine.Failed, code);
        Assert.Contains($"{file}: $.root.activities[5].dueIn: 輸入「dueIn」讀取變數「urgentAckDeadline」，但它的預設值「兩小時」不是不為負的時間長度 [input.variable-default-mismatch]", output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"{file}: {VariablePath(chain, "urgentAckDeadline")}: 變數「urgentAckDeadline」宣告為 TimeSpan，但預設值「兩小時」不是不為負的時間長度 [variable.default-mismatch]", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_variable_with_a_default_in_words_is_refused_even_when_nothing_reads_it()
    {
        var error = Assert.Single(_validator.Load(new Flow("x").Variable("count", "Int32", "三").WriteLine("w", "w").Json()).Errors);

        Assert.Equal(("$.variables[0].value", "variable.default-mismatch"), (error.Path, error.Code));
    }

    [Fact]
    public void A_variable_whose_default_is_a_duration_passes()
    {
        Assert.Empty(_validator.Load(RoutedWithDeadlineVariable("1.00:00:00")).Errors);
    }

    [Theory]
    [InlineData("02:00:00")]
    [InlineData("1.00:00:00")]
    [InlineData("PT2H")]
    [InlineData("00:00:00")]
    public void A_duration_in_the_notations_the_engine_reads_passes(string duration)
    {
        Assert.Empty(_validator.Load(new Flow("x").Activity("d", "Elsa.Delay", ("timeSpan", Literal(duration, "TimeSpan"))).Json()).Errors);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("False")]
    public void A_condition_written_as_text_true_or_false_passes(string condition)
    {
        Assert.Empty(_validator.Load(new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Literal(condition, "Boolean"))).Json()).Errors);
    }

    [Fact]
    public void A_condition_that_is_a_JSON_boolean_passes_and_one_that_is_a_number_is_refused()
    {
        Assert.Empty(_validator.Load(new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Literal(true, "Boolean"))).Json()).Errors);

        var error = Assert.Single(_validator.Load(new Flow("x").Activity("d", "Elsa.FlowDecision", ("condition", Literal(1, "Boolean"))).Json()).Errors);
        Assert.Equal(("$.root.activities[0].condition", "input.not-a-boolean"), (error.Path, error.Code));
    }

    [Fact]
    public void A_JavaScript_deadline_is_not_checked_before_it_runs()
    {
        var definition = new Flow("x").Activity("d", "Elsa.Delay", ("timeSpan", Js("'兩小時'", "TimeSpan"))).Json();

        Assert.Empty(_validator.Load(definition).Errors);
    }

    [Fact]
    public void A_number_input_refuses_text_that_is_not_a_number_and_takes_one_that_is()
    {
        var validator = new DefinitionValidator(ActivityRegistry.WithBuiltIns(new RepeatActivity()));

        var error = Assert.Single(validator.Load(new Flow("x").Activity("r", RepeatActivity.Type, ("times", Literal("三次", "Int32"))).Json()).Errors);

        Assert.Equal(("$.root.activities[0].times", "input.not-a-number", "輸入「times」必須是數字，「三次」不是"), (error.Path, error.Code, error.Message));
        Assert.Empty(validator.Load(new Flow("x").Activity("r", RepeatActivity.Type, ("times", Literal("3", "Int32"))).Json()).Errors);
        Assert.Empty(validator.Load(new Flow("x").Activity("r", RepeatActivity.Type, ("times", Literal(3, "Int32"))).Json()).Errors);
    }

    [Fact]
    public async Task Every_registered_activity_declares_each_input_once_as_a_typed_static_field()
    {
        await using var services = await CommandLine.ComposeAsync(string.Empty, TestConfiguration.Empty, CancellationToken.None);
        var activities = services.GetRequiredService<ActivityRegistry>().All.ToList();
        var declared = activities.Select(a => a.GetType().Assembly).Distinct()
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(field => field.IsInitOnly && typeof(InputDescriptor).IsAssignableFrom(field.FieldType))
            .Select(field => field.GetValue(null))
            .ToList();

        Assert.Contains(activities, a => a is SendNoticeActivity);
        Assert.Contains(activities, a => a is RouteTaskActivity);
        Assert.Equal(32 + 6 + 1, activities.Count);
        Assert.All(activities, activity =>
        {
            Assert.Equal(activity.Inputs.Count, activity.Inputs.Select(i => i.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.All(activity.Inputs, input =>
            {
                var type = input.GetType();
                Assert.True(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Input<>), $"{activity.TypeName}.{input.Name} is not an Input<T>");
                Assert.Equal(InputTypes.Of(type.GetGenericArguments()[0]), input.Type);
                Assert.Contains(declared, field => ReferenceEquals(field, input));
            });
        });
    }

    [Fact]
    public async Task Deadlines_and_conditions_are_declared_with_the_types_the_validator_checks()
    {
        await using var services = await CommandLine.ComposeAsync(string.Empty, TestConfiguration.Empty, CancellationToken.None);
        var registry = services.GetRequiredService<ActivityRegistry>();

        InputType TypeOf(string activity, string input) => registry.Get(activity).Inputs.Single(i => i.Name == input).Type;

        Assert.Equal(InputType.Duration, TypeOf("AntiDrugFlow.RouteTask", "dueIn"));
        Assert.Equal(InputType.Duration, TypeOf("AntiDrugFlow.RouteTask", "remindBefore"));
        Assert.Equal(InputType.Boolean, TypeOf("AntiDrugFlow.RouteTask", "escalated"));
        Assert.Equal(InputType.Duration, TypeOf("Elsa.Delay", "timeSpan"));
        Assert.Equal(InputType.Duration, TypeOf("Elsa.Timer", "interval"));
        Assert.Equal(InputType.DateTime, TypeOf("Elsa.StartAt", "dateTime"));
        Assert.Equal(InputType.Boolean, TypeOf("Elsa.FlowDecision", "condition"));
        Assert.Equal(InputType.DateTime, TypeOf("AntiDrugFlow.SendNotice", "deadline"));
        Assert.Equal(InputType.VariableReference, TypeOf("Elsa.SetVariable", "variable"));
    }

    [Fact]
    public void An_input_of_a_type_the_engine_cannot_read_fails_when_it_is_declared()
    {
        Assert.Throws<ArgumentException>(() => new Input<Guid>("id"));
    }

    private static string RoutedWithDeadlineVariable(string deadline) =>
        new Flow("x")
            .Variable("ackDeadline", "TimeSpan", deadline)
            .Activity(
                "route",
                "AntiDrugFlow.RouteTask",
                ("agency", Literal("kee-sch-a")),
                ("taskName", Literal("確認收到通報")),
                ("taskKind", Literal("acknowledge")),
                ("dueIn", new JsonObject { ["typeName"] = "TimeSpan", ["expression"] = new JsonObject { ["type"] = "Variable", ["value"] = "ackDeadline" } }))
            .Json();

    private static async Task<IReadOnlyList<DefinitionError>> ValidateWithEveryActivityAsync(JsonObject document)
    {
        await using var services = await CommandLine.ComposeAsync(string.Empty, TestConfiguration.Empty, CancellationToken.None);
        return services.GetRequiredService<DefinitionValidator>().Load(document).Errors;
    }

    /// <summary>The shipped tip-off chain with its urgent acknowledgement deadline changed, and the index of the route task that reads it.</summary>
    private static async Task<(JsonObject Chain, int Index)> TipOffWithUrgentDeadlineAsync(string deadline)
    {
        var path = Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "chains", "tip-off-chain.json");
        var chain = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        Assert.Empty(await ValidateWithEveryActivityAsync(chain));
        chain["variables"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "urgentAckDeadline")!["value"] = deadline;
        var activities = chain["root"]!["activities"]!.AsArray();
        var index = activities.Select((a, i) => (Code: a!["dueIn"]?["expression"]?["value"]?.GetValue<string>(), i)).First(a => a.Code?.Contains("getUrgentAckDeadline()", StringComparison.Ordinal) == true).i;
        return (chain, index);
    }

    private static string VariablePath(JsonObject chain, string name) =>
        $"$.variables[{chain["variables"]!.AsArray().Select((v, i) => (Name: v!["name"]!.GetValue<string>(), i)).Single(v => v.Name == name).i}].value";

    /// <summary>The military notification chain as shipped, and the index of its first routed task.</summary>
    private static async Task<(JsonObject Chain, int Index)> ChainWithRouteTaskAsync()
    {
        var path = Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "chains", "military-notification.json");
        var chain = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        Assert.Empty(await ValidateWithEveryActivityAsync(chain));
        var activities = chain["root"]!["activities"]!.AsArray();
        var index = activities.Select((a, i) => (Type: a!["type"]!.GetValue<string>(), i)).First(a => a.Type == "AntiDrugFlow.RouteTask").i;
        return (chain, index);
    }

    /// <summary>An activity with a number input; no registered activity has one yet.</summary>
    private sealed class RepeatActivity : IActivity
    {
        public const string Type = "Tests.Repeat";

        public static readonly Input<int> Times = new("times", IsRequired: true);

        public string TypeName => Type;

        public IReadOnlyList<InputDescriptor> Inputs { get; } = [Times];

        public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.Done);
    }
}
