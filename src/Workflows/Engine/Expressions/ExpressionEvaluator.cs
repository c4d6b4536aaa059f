using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Expressions;

public static class ExpressionTypes
{
    public const string Literal = "Literal";
    public const string Variable = "Variable";
    public const string Object = "Object";
    public const string JavaScript = "JavaScript";

    public static bool IsSupported(string type) => type is Literal or Variable or Object or JavaScript;
}

/// <summary>Evaluates an input's expression to a JSON value within one instance step.</summary>
public sealed class ExpressionEvaluator(ExpressionScope scope, JavaScriptEvaluator javaScript)
{
    private JavaScriptEvaluator.Session? _session;

    public ExpressionScope Scope { get; } = scope;

    private Func<ExpressionSpec, string?>? _text;

    /// <summary>Evaluates an expression to text (e.g. a merge mode); one delegate per evaluator.</summary>
    public Func<ExpressionSpec, string?> Text => _text ??= spec => JsonValues.AsString(Evaluate(spec));

    public JsonNode? Evaluate(ExpressionSpec spec) => spec.Type switch
    {
        ExpressionTypes.Literal => spec.Value?.DeepClone(),
        ExpressionTypes.Variable => Scope.Get(VariableName(spec.Value) ?? throw new ExpressionException(FaultKinds.VariableNameMissing, spec.JsonPath)),
        ExpressionTypes.Object => ObjectValue(spec),
        ExpressionTypes.JavaScript => (_session ??= javaScript.Open(Scope)).Evaluate(spec.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : string.Empty, spec.JsonPath),
        _ => throw new ExpressionException(DefinitionErrorKinds.ExpressionTypeUnsupported, spec.JsonPath, spec.Type),
    };

    public static string? VariableName(JsonNode? reference) => reference switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o => (o["name"] ?? o["id"]) is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null,
        _ => null,
    };

    private static JsonNode? ObjectValue(ExpressionSpec spec)
    {
        if (spec.Value is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                return JsonNode.Parse(text.GetValue<string>());
            }
            catch (JsonException ex)
            {
                throw new ExpressionException(ex, FaultKinds.ObjectNotJson, spec.JsonPath, JsonSyntaxErrors.Reason(ex));
            }
        }

        return spec.Value?.DeepClone();
    }
}

/// <summary>Reads JSON values as the types activity inputs need, with messages that say what was expected.</summary>
public static class JsonValues
{
    public static string? AsString(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    public static bool AsBool(JsonNode? node, string where) => node switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString() is not ("0" or "0.0" or "-0"),
        _ => throw new ExpressionException(FaultKinds.NotABoolean, where, KindName(node)),
    };

    /// <summary>A TimeSpan as .NET writes it ("1.00:00:00", "02:00:00") or ISO 8601 ("PT2H").</summary>
    public static TimeSpan AsTimeSpan(JsonNode? node, string where) =>
        TryTimeSpan(AsString(node), out var span) ? span : throw new ExpressionException(FaultKinds.NotADuration, where, KindName(node));

    /// <summary>Parses a duration the way <see cref="AsTimeSpan"/> reads one; the validator checks literals with it.</summary>
    public static bool TryTimeSpan(string? text, out TimeSpan span)
    {
        span = default;
        if (text is null)
        {
            return false;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out span))
        {
            return true;
        }

        try
        {
            span = System.Xml.XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static DateTimeOffset AsDateTimeOffset(JsonNode? node, string where) =>
        TryDateTimeOffset(AsString(node), out var at) ? at : throw new ExpressionException(FaultKinds.NotADateTime, where, KindName(node));

    public static bool TryDateTimeOffset(string? text, out DateTimeOffset at)
    {
        at = default;
        return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at);
    }

    /// <summary>
    /// The kind of a JSON value in zh-TW (「字串」, 「JSON 陣列」), for messages: an error says what
    /// kind of value it got, never the value, which may hold a minor's data.
    /// </summary>
    public static string KindName(JsonNode? node) => node switch
    {
        null => "空值（null）",
        JsonObject => "JSON 物件",
        JsonArray => "JSON 陣列",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "字串",
            JsonValueKind.Number => "數字",
            JsonValueKind.True or JsonValueKind.False => "布林值",
            _ => "空值（null）",
        },
    };

    /// <summary>Converts a literal to the declared type name, so "5" declared Int32 is a number.</summary>
    public static JsonNode? Coerce(JsonNode? node, string? typeName)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String || typeName is null)
        {
            return node;
        }

        var text = value.GetValue<string>();
        return typeName switch
        {
            "Int32" or "Int64" or "Double" or "Decimal" or "Number" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) =>
                Math.Abs(d % 1) < double.Epsilon ? JsonValue.Create((long)d) : JsonValue.Create(d),
            "Boolean" when bool.TryParse(text, out var b) => JsonValue.Create(b),
            "Object" or "ExpandoObject" or "JsonObject" when text.TrimStart().StartsWith('{') || text.TrimStart().StartsWith('[') => TryParse(text) ?? node,
            _ => node,
        };
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
