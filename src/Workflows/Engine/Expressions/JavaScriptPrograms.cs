using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Jint.Native;
using Jint.Parser;
using Jint.Parser.Ast;

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>
/// One JavaScript value, parsed: the program to run (the text itself, or wrapped in a function when it has a
/// top-level <c>return</c>, as Elsa allows), or why it does not parse.
/// </summary>
public sealed class JavaScriptProgram
{
    private readonly Program? _shared;
    private readonly string? _source;

    private JavaScriptProgram(Program? shared, string? source, JavaScriptSyntaxError? syntaxError)
    {
        _shared = shared;
        _source = source;
        SyntaxError = syntaxError;
    }

    /// <summary>Null when the code parses.</summary>
    public JavaScriptSyntaxError? SyntaxError { get; }

    /// <summary>True when every run shares one parsed tree; false for code whose tree Jint would tie to one interpreter.</summary>
    internal bool IsShared => _shared is not null;

    internal static JavaScriptProgram Parsed(Program program, string source) =>
        JavaScriptSyntaxTree.MakeShareable(program) ? new(program, null, null) : new(null, source, null);

    internal static JavaScriptProgram Invalid(JavaScriptSyntaxError error) => new(null, null, error);

    /// <summary>The tree to execute: the shared one, or a fresh parse of the already chosen form (never a second try).</summary>
    internal Program ToRun() => _shared ?? new JavaScriptParser().Parse(_source ?? throw new InvalidOperationException("A program with a syntax error cannot run."));
}

/// <summary>
/// The JavaScript values of the process, each distinct text parsed once: a published definition's expressions
/// are parsed when it is validated and every step that runs them reuses the tree. Bounded: when a miss finds
/// the cache full it starts over, since re-parsing costs about a microsecond and a full cache means texts
/// are being generated rather than read from a few definitions.
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

    /// <summary>How many times a text was parsed because the cache did not hold it.</summary>
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
        var parser = new JavaScriptParser();
        try
        {
            return JavaScriptProgram.Parsed(parser.Parse(code), code);
        }
        catch (ParserException plain)
        {
            // A script with a top-level return is a function body, as in Elsa's exports.
            var wrapped = "(function(){\n" + code + "\n})()";
            try
            {
                return JavaScriptProgram.Parsed(parser.Parse(wrapped), wrapped);
            }
            catch (ParserException)
            {
                return JavaScriptProgram.Invalid(new JavaScriptSyntaxError(plain.LineNumber, plain.Column, plain.Description));
            }
        }
    }
}

/// <summary>
/// Jint 2.x writes caches into the tree it runs: a literal keeps its value (for a regular expression, the
/// interpreter's RegExp object, which would carry one instance's state into another) and a call with literal
/// arguments keeps its argument array. Before a tree is shared across interpreters and threads, every literal's
/// value is filled in here, once, and the argument caching is turned off, so running it writes nothing shared.
/// </summary>
internal static class JavaScriptSyntaxTree
{
    private static readonly ConcurrentDictionary<Type, Func<object, object?>[]> ChildReaders = new();

    /// <summary>False, leaving the tree as it was read, when it has a regular-expression literal and must stay with one interpreter.</summary>
    public static bool MakeShareable(Program program)
    {
        var nodes = Nodes(program).ToList();
        if (nodes.Any(n => n is RegExpLiteral or Literal { Type: SyntaxNodes.RegularExpressionLiteral }))
        {
            return false;
        }

        foreach (var node in nodes)
        {
            switch (node)
            {
                case Literal literal:
                    if (Value(literal.Value) is not { } value)
                    {
                        return false;
                    }

                    literal.CachedValue = value;
                    literal.Cached = true;
                    break;
                case CallExpression call:
                    call.CanBeCached = false;
                    break;
            }
        }

        return true;
    }

    /// <summary>The value Jint's interpreter would cache for a primitive literal; none of these refers to an interpreter.</summary>
    private static JsValue? Value(object? literal) => literal switch
    {
        null => JsValue.Null,
        string text => new JsValue(text),
        double number => new JsValue(number),
        bool flag => new JsValue(flag),
        _ => null,
    };

    private static IEnumerable<SyntaxNode> Nodes(Program program)
    {
        var seen = new HashSet<SyntaxNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<SyntaxNode>();
        pending.Push(program);
        while (pending.TryPop(out var node))
        {
            if (!seen.Add(node))
            {
                continue;
            }

            yield return node;
            foreach (var read in ChildReaders.GetOrAdd(node.GetType(), Readers))
            {
                switch (read(node))
                {
                    case SyntaxNode child:
                        pending.Push(child);
                        break;
                    case IEnumerable children and not string:
                        foreach (var child in children.OfType<SyntaxNode>())
                        {
                            pending.Push(child);
                        }

                        break;
                }
            }
        }
    }

    /// <summary>The public fields and properties of a node type that can hold further nodes (Jint 2.x's tree has no visitor).</summary>
    private static Func<object, object?>[] Readers(Type type)
    {
        static bool MayHoldNodes(Type t) => t != typeof(string) && !t.IsValueType && (typeof(IEnumerable).IsAssignableFrom(t) || !t.IsSealed || typeof(SyntaxNode).IsAssignableFrom(t));

        var fields = type.GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Where(f => MayHoldNodes(f.FieldType))
            .Select(f => new Func<object, object?>(f.GetValue));
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && MayHoldNodes(p.PropertyType))
            .Select(p => new Func<object, object?>(p.GetValue));
        return [.. fields, .. properties];
    }
}
