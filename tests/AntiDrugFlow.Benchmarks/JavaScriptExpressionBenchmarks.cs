using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;
using BenchmarkDotNet.Attributes;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// Splits the JavaScript cost of a run into its parts: opening a session (the interpreter is created on the
/// first expression of each step), evaluating one more expression in an open session, the syntax check
/// (a lookup once the text has been parsed) and the parse of a text the cache does not hold. Not sealed:
/// BenchmarkDotNet derives its generated runner from this class.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class JavaScriptExpressionBenchmarks
{
    private const string Expression = "getCount() + 1";
    private const string OtherExpression = "getCount() + 2";
    private readonly JavaScriptEvaluator _evaluator = new(new JavaScriptLimits());
    private ExpressionScope? _scope;
    private JavaScriptEvaluator.Session? _open;

    // Room for one text: asking for two texts in turn makes every lookup a miss that parses.
    private readonly JavaScriptPrograms _oneText = new(1);
    private bool _other;

    [GlobalSetup]
    public void Setup()
    {
        var definition = new DefinitionValidator(ActivityRegistry.WithBuiltIns()).LoadOrThrow(BenchmarkFlows.Sequence(javaScript: true));
        _scope = new ExpressionScope(WorkflowExecutor.NewInstance(definition, null, null, TimeProvider.System.GetUtcNow()));
        _open = _evaluator.Open(_scope);
        _open.Evaluate(Expression, "$.setup");
    }

    [Benchmark(Description = "First expression of a step (new interpreter)")]
    public object? FirstExpressionOfAStep() => _evaluator.Open(_scope!).Evaluate(Expression, "$.bench");

    [Benchmark(Description = "Next expression in the same step")]
    public object? NextExpressionInTheSameStep() => _open!.Evaluate(Expression, "$.bench");

    [Benchmark(Description = "Syntax check only (parse)")]
    public JavaScriptSyntaxError? SyntaxCheck() => JavaScriptEvaluator.SyntaxError(Expression);

    [Benchmark(Description = "Parse a text the cache does not hold")]
    public JavaScriptProgram ParseANewText() => _oneText.Get((_other = !_other) ? OtherExpression : Expression);
}
