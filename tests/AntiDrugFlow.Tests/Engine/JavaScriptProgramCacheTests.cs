using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Each distinct JavaScript text is parsed once per process and its tree shared by every instance that runs it:
/// the sharing must carry no state from one instance to another, report syntax errors as before, and stay bounded.
/// </summary>
public sealed class JavaScriptProgramCacheTests
{
    private static readonly TestClock Clock = new();

    [Fact]
    public void The_same_expression_in_two_instances_reads_and_writes_each_instances_own_variables()
    {
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(), new JavaScriptPrograms(16));
        var first = Scope(count: 1);
        var second = Scope(count: 5);

        var one = evaluator.Open(first).Evaluate("setCount(getCount() * 10); getCount() + 1", "$.a");
        var two = evaluator.Open(second).Evaluate("setCount(getCount() * 10); getCount() + 1", "$.a");

        Assert.Equal(11, one!.GetValue<long>());
        Assert.Equal(51, two!.GetValue<long>());
        Assert.Equal(10, first.Get("count")!.GetValue<long>());
        Assert.Equal(50, second.Get("count")!.GetValue<long>());
    }

    [Fact]
    public void Values_made_from_literals_start_afresh_in_each_instance()
    {
        // A regular expression literal is an object Jint would keep in the tree; the array, object and
        // string literals and the call with literal arguments are the other nodes it caches values in.
        const string Script = """
            var r = /a/;
            r.hits = (r.hits || 0) + 1;
            var list = [1, 'two'];
            list.push(getCount());
            var o = { n: 1 };
            o.n += getCount();
            return [r.hits, list.length, o.n, String('x').concat('y')].join('|');
            """;
        var programs = new JavaScriptPrograms(16);
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(), programs);

        var results = Enumerable.Range(1, 3).Select(_ => evaluator.Open(Scope(count: 2)).Evaluate(Script, "$.a")!.GetValue<string>()).ToList();

        Assert.All(results, r => Assert.Equal("1|3|3|xy", r));
        Assert.Equal(1, programs.Prepared);
    }

    [Fact]
    public void A_regular_expression_literal_starts_afresh_in_every_evaluation_of_a_prepared_script()
    {
        var programs = new JavaScriptPrograms(16);
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(), programs);
        const string Script = "/a/g.exec('aa').index";

        var results = Enumerable.Range(1, 3).Select(count => evaluator.Open(Scope(count)).Evaluate(Script, "$.a")!.GetValue<long>()).ToList();

        Assert.Equal([0L, 0L, 0L], results);
        Assert.Equal(1, programs.Prepared);
    }

    [Fact]
    public void An_expression_is_parsed_once_however_many_instances_run_it()
    {
        var programs = new JavaScriptPrograms(16);
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(), programs);

        for (var count = 1; count <= 5; count++)
        {
            var session = evaluator.Open(Scope(count));
            Assert.Equal(count + 1, session.Evaluate("getCount() + 1", "$.a")!.GetValue<long>());
            Assert.Equal(count * 2, session.Evaluate("var c = getCount();\nreturn c * 2;", "$.b")!.GetValue<long>());
        }

        Assert.Equal(2, programs.Prepared);
        Assert.Equal(2, programs.Count);
    }

    [Fact]
    public void A_syntax_error_gives_the_same_code_and_message_on_every_evaluation()
    {
        const string Broken = "getLevel( <= 2";
        var programs = new JavaScriptPrograms(16);
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(), programs);

        var faults = Enumerable.Range(1, 3)
            .Select(_ => Assert.Throws<ExpressionException>(() => evaluator.Open(Scope(count: 1)).Evaluate(Broken, "$.root.activities[0].condition")))
            .ToList();

        Assert.All(faults, fault =>
        {
            Assert.Equal("expression.javascript-syntax", fault.Kind.Code);
            Assert.Equal("$.root.activities[0].condition", fault.Path);
            Assert.Equal("JavaScript 語法錯誤：第 1 行第 11 欄，Unexpected token '<='", fault.Description);
        });
        Assert.Equal(1, programs.Prepared);
        Assert.Equal(new JavaScriptSyntaxError(1, 11, "Unexpected token '<='"), JavaScriptEvaluator.SyntaxError(Broken));
        Assert.Equal(new JavaScriptSyntaxError(1, 11, "Unexpected token '<='"), JavaScriptEvaluator.SyntaxError(Broken));
    }

    [Fact]
    public void The_cache_holds_no_more_than_its_capacity()
    {
        var programs = new JavaScriptPrograms(8);
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(), programs);
        var session = evaluator.Open(Scope(count: 1));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(1 + i, session.Evaluate($"getCount() + {i}", "$.a")!.GetValue<long>());
            Assert.InRange(programs.Count, 1, 8);
        }

        Assert.Equal(20, programs.Prepared);
        session.Evaluate("getCount() + 19", "$.a");
        Assert.Equal(20, programs.Prepared);
    }

    [Fact]
    public void The_sandbox_limits_apply_to_each_evaluation_of_a_cached_script()
    {
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(MaxStatements: 100), new JavaScriptPrograms(16));
        var session = evaluator.Open(Scope(count: 1));

        // About fifty statements fit the limit once but not twice, so a count carried over from the last run would show here.
        const string UnderTheLimit = "var n = 0; for (var i = 0; i < 25; i++) { n++; } n";
        Assert.Equal(25, session.Evaluate(UnderTheLimit, "$.a")!.GetValue<long>());
        Assert.Equal(25, session.Evaluate(UnderTheLimit, "$.a")!.GetValue<long>());
        for (var run = 0; run < 2; run++)
        {
            var fault = Assert.Throws<ExpressionException>(() => session.Evaluate("while (true) { }", "$.b"));
            Assert.Equal(FaultKinds.JavaScriptStatementLimit, fault.Kind);
        }

        Assert.Equal("undefined|undefined", session.Evaluate("typeof System + '|' + typeof importNamespace", "$.c")!.GetValue<string>());
    }

    [Fact]
    public async Task Instances_on_several_threads_share_a_parsed_expression_and_each_gets_its_own_result()
    {
        const string Expression = "[getCount(), 'a', 1.5, true, null, -0].join('|') + String(getCount() > 3)";
        var evaluator = new JavaScriptEvaluator(new JavaScriptLimits(), new JavaScriptPrograms(16));

        var runs = Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
            Enumerable.Range(0, 100).Select(i =>
            {
                var count = thread * 100 + i;
                var result = evaluator.Open(Scope(count)).Evaluate(Expression, "$.a")!.GetValue<string>();
                return (Expected: $"{count}|a|1.5|true||0" + (count > 3 ? "true" : "false"), Actual: result);
            }).ToList()));

        var results = (await Task.WhenAll(runs)).SelectMany(r => r).ToList();

        Assert.Equal(400, results.Count);
        Assert.All(results, r => Assert.Equal(r.Expected, r.Actual));
    }

    private static ExpressionScope Scope(long count)
    {
        var definition = new DefinitionValidator(ActivityRegistry.WithBuiltIns())
            .LoadOrThrow(new Flow("js-cache").Variable("count", "Int32", count).WriteLine("w", "x").Json());
        return new ExpressionScope(WorkflowExecutor.NewInstance(definition, new JsonObject(), null, Clock.GetUtcNow()));
    }
}
