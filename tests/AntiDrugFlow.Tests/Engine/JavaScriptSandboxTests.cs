using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// ES2023 JavaScript runs, and the sandbox binds every evaluation whatever built-in it calls: each hostile
/// example either works or faults with its own code and zh-TW message.
/// </summary>
public sealed class JavaScriptSandboxTests
{
    private static readonly TestClock Clock = new();
    private readonly JavaScriptEvaluator _evaluator = new(new JavaScriptLimits());

    [Fact]
    public void A_template_literal_reads_a_variable()
    {
        Assert.Equal("第 3 輪", Evaluate("`第 ${getCount()} 輪`", count: 3)!.GetValue<string>());
    }

    [Fact]
    public void An_arrow_function_maps_over_an_array()
    {
        Assert.Equal("2,4,6", Evaluate("[1, 2, 3].map(n => n * getCount()).join(',')", count: 2)!.GetValue<string>());
    }

    [Fact]
    public void Optional_chaining_and_nullish_coalescing_read_a_missing_property_as_a_default()
    {
        Assert.Equal("無", Evaluate("getVariable('missing')?.outcome ?? '無'", count: 1)!.GetValue<string>());
        Assert.Equal("陰性", Evaluate("({ result: { outcome: '陰性' } })?.result?.outcome", count: 1)!.GetValue<string>());
    }

    [Fact]
    public void A_lone_string_literal_is_the_value_not_a_directive()
    {
        Assert.Equal("referral", Evaluate("'referral'", count: 1)!.GetValue<string>());
    }

    [Fact]
    public void Top_level_const_can_be_evaluated_again_on_the_same_thread_and_in_another_instance()
    {
        const string Script = "const doubled = getCount() * 2;\nlet plus = doubled + 1;\nplus";

        Assert.Equal(7L, Evaluate(Script, count: 3)!.GetValue<long>());
        Assert.Equal(7L, Evaluate(Script, count: 3)!.GetValue<long>());
        Assert.Equal(11L, Evaluate(Script, count: 5)!.GetValue<long>());
    }

    [Fact]
    public void What_a_script_writes_to_the_global_object_is_gone_when_another_instance_evaluates()
    {
        Assert.Equal("秘密", Evaluate("globalThis.leak = '秘密'; globalThis.leak", count: 1)!.GetValue<string>());

        Assert.Equal("undefined", Evaluate("typeof globalThis.leak", count: 2)!.GetValue<string>());
    }

    [Fact]
    public void A_single_expression_reaching_the_global_object_through_this_leaves_nothing_for_another_instance()
    {
        // One expression runs as strict global code, where an arrow function's this is the global object.
        Assert.Equal("秘密", Evaluate("(() => this)().leak = '秘密'", count: 1)!.GetValue<string>());

        Assert.Equal("undefined", Evaluate("typeof globalThis.leak", count: 2)!.GetValue<string>());
    }

    [Fact]
    public void A_script_cannot_create_a_global_by_assigning_an_undeclared_name()
    {
        var fault = Fault("leaked = 1; leaked");

        Assert.Equal(FaultKinds.JavaScriptFailed.Code, fault.Kind.Code);
    }

    [Fact]
    public void Joining_a_ten_million_element_array_faults_with_the_memory_limit()
    {
        var fault = Fault("new Array(10000000).join('x')");

        Assert.Equal(FaultKinds.JavaScriptMemoryLimit.Code, fault.Kind.Code);
        Assert.Contains("記憶體", fault.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gigabyte_string_faults_with_the_memory_limit()
    {
        var fault = Fault("'x'.repeat(1e9).length");

        Assert.Equal(FaultKinds.JavaScriptMemoryLimit.Code, fault.Kind.Code);
    }

    [Fact]
    public void A_string_doubled_in_a_loop_faults_with_the_memory_limit()
    {
        var fault = Fault("let s = 'x'; for (let i = 0; i < 40; i++) { s = s + s; } s.length");

        Assert.Equal(FaultKinds.JavaScriptMemoryLimit.Code, fault.Kind.Code);
    }

    [Fact]
    public void A_catastrophically_backtracking_regular_expression_faults_with_the_regex_timeout()
    {
        var fault = Fault("/^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')");

        Assert.Equal(FaultKinds.JavaScriptRegexTimeout.Code, fault.Kind.Code);
        Assert.Contains("正規表示式", fault.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_runaway_loop_faults_with_the_statement_limit()
    {
        var fault = Fault("while (true) { }");

        Assert.Equal(FaultKinds.JavaScriptStatementLimit.Code, fault.Kind.Code);
    }

    [Theory]
    [InlineData("eval('1')")]
    [InlineData("new Function('return 1')()")]
    [InlineData("(() => {}).constructor('return 1')()")]
    public void Compiling_a_string_as_code_is_refused(string script)
    {
        var fault = Fault(script);

        Assert.Equal(FaultKinds.JavaScriptEvalRefused.Code, fault.Kind.Code);
        Assert.Contains("eval", fault.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("System.IO.File.ReadAllText('/etc/passwd')")]
    [InlineData("importNamespace('System.IO')")]
    [InlineData("clrHelper.typeOf('x')")]
    public void Reaching_for_the_CLR_fails_as_an_undefined_name(string script)
    {
        var fault = Fault(script);

        Assert.Equal(FaultKinds.JavaScriptFailed.Code, fault.Kind.Code);
        Assert.Contains("is not defined", fault.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sandbox_leaves_an_interpreter_usable_for_the_next_evaluation()
    {
        Fault("new Array(10000000).join('x')");
        Fault("while (true) { }");

        Assert.Equal(4L, Evaluate("getCount() + 1", count: 3)!.GetValue<long>());
    }

    private JsonNode? Evaluate(string script, long count) => _evaluator.Open(Scope(count)).Evaluate(script, "$.test");

    private ExpressionException Fault(string script) => Assert.Throws<ExpressionException>(() => Evaluate(script, count: 1));

    private static ExpressionScope Scope(long count)
    {
        var definition = new DefinitionValidator(ActivityRegistry.WithBuiltIns())
            .LoadOrThrow(new Flow("js-sandbox").Variable("count", "Int32", count).WriteLine("w", "x").Json());
        return new ExpressionScope(WorkflowExecutor.NewInstance(definition, new JsonObject(), null, Clock.GetUtcNow()));
    }
}
