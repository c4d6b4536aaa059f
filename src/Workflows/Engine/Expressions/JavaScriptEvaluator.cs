using System.Globalization;
using System.Text.Json.Nodes;
using Jint;
using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Runtime;
using Jint.Native;
using Jint.Native.Json;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>
/// The sandbox of every JavaScript evaluation: statements, call depth and time per evaluation, the memory one
/// evaluation may allocate, the largest array, the time one regular-expression match may take.
/// <paramref name="LocalTimeZone"/> is the zone of <c>Date</c> (UTC when null).
/// </summary>
public sealed record JavaScriptLimits(
    int MaxStatements = 10_000,
    int MaxRecursion = 64,
    int TimeoutMilliseconds = 1_000,
    TimeZoneInfo? LocalTimeZone = null,
    long MaxMemoryBytes = 16 * 1024 * 1024,
    uint MaxArraySize = 100_000,
    int RegexTimeoutMilliseconds = 200);

/// <summary>Where JavaScript failed to parse (one-based line and column) and the parser's reason.</summary>
public sealed record JavaScriptSyntaxError(int Line, int Column, string Reason)
{
    /// <summary>The values of <see cref="DefinitionErrorKinds.JavaScriptSyntax"/>: line, column, reason.</summary>
    public string[] Values => [Line.ToString(CultureInfo.InvariantCulture), Column.ToString(CultureInfo.InvariantCulture), Reason];
}

/// <summary>
/// Runs JavaScript expressions with Jint 4, sandboxed: no CLR access, no <c>eval</c> or <c>new Function</c>,
/// and per evaluation limits on statements, call depth, time, memory, array size and regular-expression time.
/// Each text is prepared once per process (<see cref="JavaScriptPrograms"/>); each thread keeps one
/// interpreter per evaluator and every evaluation on that thread reuses it, bound for the evaluation to the
/// scope (instance) it runs for. Values run inside a strict-mode function, so they declare nothing global;
/// what a script writes to the global object on purpose is removed before the interpreter serves another
/// instance.
/// </summary>
public sealed class JavaScriptEvaluator
{
    private readonly JavaScriptLimits _limits;
    private readonly JavaScriptPrograms _programs;
    private readonly Action<Options> _configure;
    private readonly ThreadLocal<Interpreter> _interpreters;

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
            .LimitMemory(limits.MaxMemoryBytes)
            .MaxArraySize(limits.MaxArraySize)
            .RegexTimeoutInterval(TimeSpan.FromMilliseconds(limits.RegexTimeoutMilliseconds))
            .DisableStringCompilation()
            .Culture(CultureInfo.InvariantCulture)
            .LocalTimeZone(limits.LocalTimeZone ?? TimeZoneInfo.Utc);
        _interpreters = new ThreadLocal<Interpreter>(() => new Interpreter(this));
    }

    /// <summary>Checks syntax; returns null when the code parses, else where and why it does not. The prepared script is kept for the runs.</summary>
    public static JavaScriptSyntaxError? SyntaxError(string code) => JavaScriptPrograms.Shared.Get(code).SyntaxError;

    /// <summary>A JavaScript session bound to one scope: the expressions of one run of one instance.</summary>
    public Session Open(ExpressionScope scope) => new(this, scope);

    public sealed class Session
    {
        private readonly JavaScriptEvaluator _owner;
        private readonly ExpressionScope _scope;

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

            return _owner._interpreters.Value!.Run(program, _scope, where);
        }
    }

    /// <summary>One thread's interpreter: an engine with the host functions, bound to a scope only while it evaluates.</summary>
    private sealed class Interpreter
    {
        private readonly JavaScriptEvaluator _owner;
        private readonly Engine _engine;
        private readonly HashSet<string> _accessors = new(StringComparer.Ordinal);
        private readonly HashSet<string> _globals = new(StringComparer.Ordinal);
        private ExpressionScope? _scope;
        private string? _instanceId;

        // Whether a program that may write globals ran since they were last forgotten.
        private bool _globalsWritten;

        // What the accessors were last defined for: defining them again finds nothing new unless one of these changed.
        private (WorkflowInstance? Instance, int Variables, int Inputs, string? RunScope) _accessorsFor;

        public Interpreter(JavaScriptEvaluator owner)
        {
            _owner = owner;
            _engine = new Engine(owner._configure);
            Define("getVariable", (_, args) => FromJson(Scope.Get(Text(args))));
            Define("setVariable", (_, args) =>
            {
                Scope.Set(Text(args), ToJson(args.Length > 1 ? args[1] : JsValue.Undefined));
                return JsValue.Undefined;
            });
            Define("getInput", (_, args) => FromJson(Scope.GetInput(Text(args))));
            Define("getWorkflowInstanceId", (_, _) => JsString.Create(Scope.Instance.Id));
            Define("getCorrelationId", (_, _) => Scope.Instance.CorrelationId is { } c ? JsString.Create(c) : JsValue.Null);
            foreach (var key in _engine.Global.GetOwnPropertyKeys())
            {
                _globals.Add(key.ToString());
            }
        }

        private ExpressionScope Scope => _scope ?? throw new InvalidOperationException("A host function was called outside an evaluation.");

        public JsonNode? Run(JavaScriptProgram program, ExpressionScope scope, string where)
        {
            if (!string.Equals(_instanceId, scope.Instance.Id, StringComparison.Ordinal))
            {
                if (_globalsWritten)
                {
                    ForgetGlobals();
                    _globalsWritten = false;
                }

                _instanceId = scope.Instance.Id;
            }

            _globalsWritten |= program.MayWriteGlobals;
            var state = scope.Instance.State;
            var accessorsFor = (scope.Instance, state.Variables.Count, state.Input.Count, scope.RunScope);
            if (accessorsFor != _accessorsFor)
            {
                DefineAccessors(scope);
                _accessorsFor = accessorsFor;
            }

            _scope = scope;
            try
            {
                return ToJson(_engine.Evaluate(in program.Script));
            }
            catch (Exception ex) when (ex is not ExpressionException and not OutOfMemoryException)
            {
                throw Failure(ex, where);
            }
            finally
            {
                _scope = null;
            }
        }

        /// <summary>The sandbox's limits get their own faults, which say the limit; anything else the script did is the interpreter's message.</summary>
        private ExpressionException Failure(Exception ex, string where)
        {
            var limits = _owner._limits;
            static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
            for (var cause = ex; cause is not null; cause = cause.InnerException)
            {
                switch (cause)
                {
                    case StatementsCountOverflowException:
                        return new ExpressionException(ex, FaultKinds.JavaScriptStatementLimit, where, Number(limits.MaxStatements));
                    case RecursionDepthOverflowException:
                        return new ExpressionException(ex, FaultKinds.JavaScriptRecursionLimit, where, Number(limits.MaxRecursion));
                    case RegexMatchTimeoutException:
                        return new ExpressionException(ex, FaultKinds.JavaScriptRegexTimeout, where, Number(limits.RegexTimeoutMilliseconds));
                    case TimeoutException:
                        return new ExpressionException(ex, FaultKinds.JavaScriptTimeout, where, Number(limits.TimeoutMilliseconds));
                    case MemoryLimitExceededException:
                        return new ExpressionException(ex, FaultKinds.JavaScriptMemoryLimit, where, Number(limits.MaxMemoryBytes), Number(limits.MaxArraySize));
                }
            }

            // Jint says these in its own words: string compilation refused, and the longest string or array a
            // built-in will make (String.prototype.repeat, padStart, Array(n)) exceeded before it allocates.
            if (ex.Message.Contains("String compilation has been disabled", StringComparison.Ordinal))
            {
                return new ExpressionException(ex, FaultKinds.JavaScriptEvalRefused, where);
            }

            if (ex is JavaScriptException && ex.Message is "Invalid string length" or "Invalid array length")
            {
                return new ExpressionException(ex, FaultKinds.JavaScriptMemoryLimit, where, Number(limits.MaxMemoryBytes), Number(limits.MaxArraySize));
            }

            return new ExpressionException(ex, FaultKinds.JavaScriptFailed, where, ex.Message);
        }

        private void Define(string name, Func<JsValue, JsValue[], JsValue> function) =>
            _engine.SetValue(name, new ClrFunction(_engine, name, function));

        /// <summary>getX()/setX(value) for each variable and input of the instance, as Elsa defines them.</summary>
        private void DefineAccessors(ExpressionScope scope)
        {
            foreach (var name in scope.Instance.State.Variables.Keys)
            {
                DefineAccessor(name);
            }

            foreach (var (name, _) in scope.Instance.State.Input)
            {
                DefineAccessor(name);
            }

            if (scope.RunScope is not null)
            {
                foreach (var name in scope.LocalNames())
                {
                    DefineAccessor(name);
                }
            }
        }

        private void DefineAccessor(string name)
        {
            if (_accessors.Contains(name) || name.Length == 0 || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
            {
                return;
            }

            _accessors.Add(name);
            var suffix = char.ToUpperInvariant(name[0]) + name[1..];
            Define("get" + suffix, (_, _) => FromJson(Scope.Get(name)));
            Define("set" + suffix, (_, args) =>
            {
                Scope.Set(name, ToJson(args.Length > 0 ? args[0] : JsValue.Undefined));
                return JsValue.Undefined;
            });
            _globals.Add("get" + suffix);
            _globals.Add("set" + suffix);
        }

        /// <summary>Removes what scripts of the previous instance wrote to the global object, so the next instance cannot see it.</summary>
        private void ForgetGlobals()
        {
            List<JsValue>? written = null;
            foreach (var key in _engine.Global.GetOwnPropertyKeys())
            {
                if (!_globals.Contains(key.ToString()))
                {
                    (written ??= []).Add(key);
                }
            }

            foreach (var key in written ?? [])
            {
                _engine.Global.RemoveOwnProperty(key);
            }
        }

        private static string Text(JsValue[] args) => args.Length > 0 ? TypeConverter.ToString(args[0]) : string.Empty;

        private JsValue FromJson(JsonNode? node)
        {
            switch (node)
            {
                case null:
                    return JsValue.Null;
                case JsonObject obj:
                    var result = new JsObject(_engine);
                    foreach (var (key, value) in obj)
                    {
                        result.Set(key, FromJson(value));
                    }

                    return result;
                case JsonArray array:
                    var items = new JsValue[array.Count];
                    for (var i = 0; i < items.Length; i++)
                    {
                        items[i] = FromJson(array[i]);
                    }

                    return new JsArray(_engine, items);
                case JsonValue value:
                    switch (value.GetValueKind())
                    {
                        case System.Text.Json.JsonValueKind.String:
                            return JsString.Create(value.GetValue<string>());
                        case System.Text.Json.JsonValueKind.True:
                            return JsBoolean.True;
                        case System.Text.Json.JsonValueKind.False:
                            return JsBoolean.False;
                        case System.Text.Json.JsonValueKind.Number:
                            return JsNumber.Create(value.TryGetValue<double>(out var d) ? d
                                : value.TryGetValue<long>(out var l) ? l
                                : value.TryGetValue<int>(out var n) ? n
                                : double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture));
                    }

                    break;
            }

            return JsValue.Null;
        }

        private JsonNode? ToJson(JsValue value)
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

            var text = new JsonSerializer(_engine).Serialize(value);
            return text.IsString() ? JsonNode.Parse(text.AsString()) : null;
        }
    }
}
