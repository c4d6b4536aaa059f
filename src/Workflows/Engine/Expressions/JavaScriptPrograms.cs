using System.Collections.Concurrent;
using Acornima;
using Acornima.Ast;
using Jint;

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>
/// One JavaScript value, prepared: the script to run, or why it does not parse. The script is the value
/// wrapped in a strict-mode function that returns the value of its last expression, so that running it on
/// an interpreter that served other values declares nothing global (a top-level <c>let</c> or <c>const</c>
/// would otherwise be "already declared" the second time) and leaves nothing for the next value to see.
/// A value may be a bare expression, statements ending with an expression, or a function body with a
/// top-level <c>return</c>, as Elsa allows.
/// </summary>
public sealed class JavaScriptProgram
{
    private readonly Prepared<Script> _script;

    private JavaScriptProgram(Prepared<Script> script, JavaScriptSyntaxError? syntaxError, bool mayWriteGlobals)
    {
        _script = script;
        SyntaxError = syntaxError;
        MayWriteGlobals = mayWriteGlobals;
    }

    /// <summary>Null when the code parses.</summary>
    public JavaScriptSyntaxError? SyntaxError { get; }

    /// <summary>
    /// False when running the program cannot add a property to the global object: strict code (no implicit globals, no
    /// top-level declarations) that does not name <c>globalThis</c> or <c>this</c>, the only ways left to reach it with
    /// string compilation disabled. An interpreter forgets what the previous instance wrote only after such a program.
    /// </summary>
    internal bool MayWriteGlobals { get; }

    internal static JavaScriptProgram Prepared(Prepared<Script> script, bool mayWriteGlobals = true) => new(script, null, mayWriteGlobals);

    internal static JavaScriptProgram Invalid(JavaScriptSyntaxError error) => new(default, error, false);

    /// <summary>The prepared script; Jint's prepared scripts may be run by any interpreter on any thread.</summary>
    internal ref readonly Prepared<Script> Script
    {
        get
        {
            if (SyntaxError is not null)
            {
                throw new InvalidOperationException("A program with a syntax error cannot run.");
            }

            return ref _script;
        }
    }
}

/// <summary>
/// The JavaScript values of the process, each distinct text prepared once (<see cref="Engine.PrepareScript"/>):
/// a published definition's expressions are prepared when it is validated and every step that runs them
/// reuses the prepared script. Bounded: when a miss finds the cache full it starts over, since a full cache
/// means texts are being generated rather than read from a few definitions.
/// </summary>
public sealed class JavaScriptPrograms(int capacity)
{
    public const int DefaultCapacity = 4_096;

    private readonly ConcurrentDictionary<string, JavaScriptProgram> _programs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _prepared;

    public static JavaScriptPrograms Shared { get; } = new(DefaultCapacity);

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be positive.");

    /// <summary>How many texts the cache holds now.</summary>
    internal int Count => _programs.Count;

    /// <summary>How many times a text was prepared because the cache did not hold it.</summary>
    internal long Prepared => Interlocked.Read(ref _prepared);

    public JavaScriptProgram Get(string code)
    {
        if (_programs.TryGetValue(code, out var known))
        {
            return known;
        }

        var program = Prepare(code);
        Interlocked.Increment(ref _prepared);
        lock (_gate)
        {
            if (_programs.TryGetValue(code, out known))
            {
                return known;
            }

            if (_programs.Count >= Capacity)
            {
                _programs.Clear();
            }

            _programs[code] = program;
            return program;
        }
    }

    private static JavaScriptProgram Prepare(string code)
    {
        string body;
        try
        {
            var plain = Engine.PrepareScript(code).Program ?? throw new InvalidOperationException("A prepared script has no tree.");
            if (SingleExpression(code, plain) is { } expression)
            {
                return expression;
            }

            body = ReturningLast(code, plain);
        }
        catch (ScriptPreparationException plain)
        {
            // A script with a top-level return is a function body, as in Elsa's exports.
            if (TryPrepare(code) is { } functionBody)
            {
                return functionBody;
            }

            return JavaScriptProgram.Invalid(Describe(plain));
        }

        return TryPrepare(body) ?? JavaScriptProgram.Invalid(new JavaScriptSyntaxError(1, 1, "The value cannot be wrapped in a function."));
    }

    /// <summary>
    /// A script that is one expression (what nearly every input holds) runs as strict global code whose completion value
    /// is the expression's: no function is made per evaluation, and nothing is declared. Null for anything else, or when
    /// strict mode does not parse it.
    /// </summary>
    private static JavaScriptProgram? SingleExpression(string code, Script plain)
    {
        if (plain.Body.Count != 1 || plain.Body[0] is not ExpressionStatement || plain.Body[0] is Directive)
        {
            return null;
        }

        try
        {
            var mayWriteGlobals = NamesTheGlobalObject(code);
            return JavaScriptProgram.Prepared(Engine.PrepareScript("\"use strict\";\n" + code), mayWriteGlobals);
        }
        catch (ScriptPreparationException)
        {
            return null;
        }
    }

    /// <summary>Whether strict code may reach the global object: through <c>globalThis</c> or <c>this</c> (global code's, or an arrow function's there).</summary>
    private static bool NamesTheGlobalObject(string code) =>
        code.Contains("this", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body of a function that returns what the script's last statement computes, when that is an expression.</summary>
    private static string ReturningLast(string code, Script script)
    {
        // A lone string literal ('closed') is a directive to the parser, and an expression statement all the same.
        if (script.Body.Count == 0 || script.Body[^1] is not ExpressionStatement last)
        {
            return code;
        }

        var expression = last.Expression;
        return string.Concat(code.AsSpan(0, last.Start), "\nreturn (", code.AsSpan(expression.Start, expression.End - expression.Start), "\n);");
    }

    /// <summary>The body wrapped in a strict function (or a sloppy one when only sloppy mode parses it); null when neither parses.</summary>
    private static JavaScriptProgram? TryPrepare(string body)
    {
        foreach (var prologue in (string[])["\"use strict\";", string.Empty])
        {
            try
            {
                // Inside a strict function nothing is declared globally; a sloppy one may assign undeclared names.
                var mayWriteGlobals = prologue.Length == 0 || NamesTheGlobalObject(body);
                return JavaScriptProgram.Prepared(Engine.PrepareScript("(function(){" + prologue + "\n" + body + "\n})()"), mayWriteGlobals);
            }
            catch (ScriptPreparationException)
            {
                // Try the next form.
            }
        }

        return null;
    }

    private static JavaScriptSyntaxError Describe(ScriptPreparationException ex) => ex.InnerException is ParseErrorException parse
        ? new JavaScriptSyntaxError(parse.LineNumber, parse.Column + 1, parse.Description ?? parse.Message)
        : new JavaScriptSyntaxError(1, 1, ex.Message);
}
