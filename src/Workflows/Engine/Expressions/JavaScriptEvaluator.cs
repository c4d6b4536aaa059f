using System.Globalization;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Runtime;
using Jint.Runtime;

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>The sandbox of every JavaScript evaluation; <paramref name="LocalTimeZone"/> is the zone of <c>Date</c> (UTC when null).</summary>
public sealed record JavaScriptLimits(int MaxStatements = 10_000, int MaxRecursion = 64, int TimeoutMilliseconds = 1_000, TimeZoneInfo? LocalTimeZone = null);

/// <summary>Where JavaScript failed to parse (one-based line and column) and the parser's reason.</summary>
public sealed record JavaScriptSyntaxError(int Line, int Column, string Reason)
{
    /// <summary>The values of <see cref="DefinitionErrorKinds.JavaScriptSyntax"/>: line, column, reason.</summary>
    public string[] Values => [Line.ToString(CultureInfo.InvariantCulture), Column.ToString(CultureInfo.InvariantCulture), Reason];
}

/// <summary>
/// Runs JavaScript expressions with Jint, sandboxed: no CLR access, and limits on statements, time and
/// recursion. A value may be a bare expression or a script with a top-level <c>return</c>, as Elsa allows.
/// </summary>
public sealed class JavaScriptEvaluator
{
    private readonly JavaScriptLimits _limits;
    private readonly JavaScriptPrograms _programs;
    private readonly Action<Options> _configure;

    public JavaScriptEvaluator(JavaScriptLimits limits)
        : this(limits, JavaScriptPrograms.Shared)
    {
    }

    /// <summary>An evaluator with its own program cache, for tests of the cache.</summary>
    internal JavaScriptEvaluator(JavaScriptLimits limits, JavaScriptPrograms programs)
    {
        _limits = limits;
        _programs = programs;
        // Built once: every interpreter of this evaluator gets the same sandbox.
        _configure = options => options
            .MaxStatements(limits.MaxStatements)
            .LimitRecursion(limits.MaxRecursion)
            .TimeoutInterval(TimeSpan.FromMilliseconds(limits.TimeoutMilliseconds))
            .Culture(CultureInfo.InvariantCulture)
            .LocalTimeZone(limits.LocalTimeZone ?? TimeZoneInfo.Utc);
    }

    /// <summary>Checks syntax; returns null when the code parses, else where and why it does not. The parse is kept for the runs.</summary>
    public static JavaScriptSyntaxError? SyntaxError(string code) => JavaScriptPrograms.Shared.Get(code).SyntaxError;

    /// <summary>
    /// A JavaScript session bound to one scope, for one step of one instance. Its interpreter is created on
    /// the first expression and serves the step's later ones: they belong to the same instance, so nothing
    /// crosses instances, and the session is used by one thread at a time, as the step is.
    /// </summary>
    public Session Open(ExpressionScope scope) => new(this, scope);

    public sealed class Session
    {
        private readonly JavaScriptEvaluator _owner;
        private readonly ExpressionScope _scope;
        private Engine? _engine;

        internal Session(JavaScriptEvaluator owner, ExpressionScope scope)
        {
            _owner = owner;
            _scope = scope;
        }

        public JsonNode? Evaluate(string code, string where)
        {
            var program = _owner._programs.Get(code);
            if (program.SyntaxError is { } error)
            {
                throw new ExpressionException(DefinitionErrorKinds.JavaScriptSyntax, where, error.Values);
            }

            var tree = program.ToRun();
            var engine = _engine ??= CreateEngine();
            engine.ResetStatementsCount();
            engine.ResetTimeoutTicks();
            engine.ResetCallStack();
            try
            {
                var value = engine.Execute(tree).GetCompletionValue();
                return ToJson(engine, value);
            }
            catch (Exception ex) when (ex is not ExpressionException and not OutOfMemoryException)
            {
                throw Failure(ex, where);
            }
        }

        /// <summary>The sandbox's limits get their own faults, which say the limit; anything else the script did is the interpreter's message.</summary>
        private ExpressionException Failure(Exception ex, string where)
        {
            var limits = _owner._limits;
            return ex switch
            {
                StatementsCountOverflowException => new ExpressionException(ex, FaultKinds.JavaScriptStatementLimit, where, limits.MaxStatements.ToString(CultureInfo.InvariantCulture)),
                RecursionDepthOverflowException => new ExpressionException(ex, FaultKinds.JavaScriptRecursionLimit, where, limits.MaxRecursion.ToString(CultureInfo.InvariantCulture)),
                TimeoutException => new ExpressionException(ex, FaultKinds.JavaScriptTimeout, where, limits.TimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)),
                _ => new ExpressionException(ex, FaultKinds.JavaScriptFailed, where, ex.Message),
            };
        }

        private Engine CreateEngine()
        {
            var engine = new Engine(_owner._configure);
            Engine self = engine;
            engine.SetValue("getVariable", new Func<string, JsValue>(name => FromJson(self, _scope.Get(name))));
            engine.SetValue("setVariable", new Action<string, JsValue>((name, value) => _scope.Set(name, ToJson(self, value))));
            engine.SetValue("getInput", new Func<string, JsValue>(name => FromJson(self, _scope.GetInput(name))));
            engine.SetValue("getWorkflowInstanceId", new Func<string>(() => _scope.Instance.Id));
            engine.SetValue("getCorrelationId", new Func<JsValue>(() => _scope.Instance.CorrelationId is { } c ? new JsValue(c) : JsValue.Null));
            var names = _scope.Instance.State.Variables.Keys.Concat(_scope.Instance.State.Input.Select(p => p.Key)).Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                DefineAccessors(engine, name);
            }

            return engine;
        }

        internal void DefineAccessors(Engine engine, string name)
        {
            if (name.Length == 0 || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
            {
                return;
            }

            var suffix = char.ToUpperInvariant(name[0]) + name[1..];
            engine.SetValue("get" + suffix, new Func<JsValue>(() => FromJson(engine, _scope.Get(name))));
            engine.SetValue("set" + suffix, new Action<JsValue>(value => _scope.Set(name, ToJson(engine, value))));
        }

        private static JsValue FromJson(Engine engine, JsonNode? node)
        {
            if (node is null)
            {
                return JsValue.Null;
            }

            if (node is JsonValue value)
            {
                switch (value.GetValueKind())
                {
                    case System.Text.Json.JsonValueKind.String:
                        return new JsValue(value.GetValue<string>());
                    case System.Text.Json.JsonValueKind.True:
                        return new JsValue(true);
                    case System.Text.Json.JsonValueKind.False:
                        return new JsValue(false);
                    case System.Text.Json.JsonValueKind.Number:
                        return new JsValue(double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture));
                }
            }

            return engine.Json.Parse(JsValue.Undefined, [new JsValue(node.ToJsonString())]);
        }

        private static JsonNode? ToJson(Engine engine, JsValue value)
        {
            if (value.IsUndefined() || value.IsNull())
            {
                return null;
            }

            if (value.IsString())
            {
                return JsonValue.Create(value.AsString());
            }

            if (value.IsBoolean())
            {
                return JsonValue.Create(value.AsBoolean());
            }

            if (value.IsNumber())
            {
                var number = value.AsNumber();
                return Math.Abs(number % 1) < double.Epsilon && Math.Abs(number) < 9e15 ? JsonValue.Create((long)number) : JsonValue.Create(number);
            }

            var text = engine.Json.Stringify(JsValue.Undefined, [value]);
            return text.IsString() ? JsonNode.Parse(text.AsString()) : null;
        }
    }

}
