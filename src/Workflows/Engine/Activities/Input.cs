using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>The kind of value an input takes: what the validator checks a literal against and what a designer offers.</summary>
public enum InputType
{
    /// <summary>Any text; a number or a JSON value is read as its JSON text.</summary>
    Text,

    /// <summary>true or false.</summary>
    Boolean,

    Number,

    /// <summary>A non-negative TimeSpan ("02:00:00", "1.00:00:00") or ISO 8601 duration ("PT2H").</summary>
    Duration,

    /// <summary>An ISO 8601 date and time.</summary>
    DateTime,

    Object,

    Array,

    /// <summary>Any JSON value, passed on as it is.</summary>
    Json,

    /// <summary>The name of a declared variable, written as <c>{"id": NAME}</c> rather than an expression.</summary>
    VariableReference,
}

/// <summary>An input an activity reads, for validation and for the designer; declared once as an <see cref="Input{T}"/>.</summary>
public abstract record InputDescriptor(string Name, InputType Type, bool IsRequired, string? DisplayName, string? Description);

/// <summary>
/// An activity's input, declared once as a static field and read through it (<c>context.Get(DueIn)</c>),
/// so its name, type and whether it is required are written in one place.
/// </summary>
public sealed record Input<T>(string Name, bool IsRequired = false, string? DisplayName = null, string? Description = null)
    : InputDescriptor(Name, InputTypes.Of(typeof(T)), IsRequired, DisplayName, Description);

/// <summary>The value of an input of type <see cref="InputType.VariableReference"/>: the variable's id or name.</summary>
public sealed record VariableReference(string Name);

public static class InputTypes
{
    /// <summary>The input type a .NET type declares; an unsupported type fails when the activity's declarations load.</summary>
    public static InputType Of(Type type) => type switch
    {
        _ when type == typeof(string) => InputType.Text,
        _ when type == typeof(bool) => InputType.Boolean,
        _ when type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(decimal) => InputType.Number,
        _ when type == typeof(TimeSpan) => InputType.Duration,
        _ when type == typeof(DateTimeOffset) => InputType.DateTime,
        _ when type == typeof(JsonObject) => InputType.Object,
        _ when type == typeof(JsonArray) => InputType.Array,
        _ when type == typeof(JsonNode) => InputType.Json,
        _ when type == typeof(VariableReference) => InputType.VariableReference,
        _ => throw new ArgumentException($"Inputs of type {type.Name} are not supported.", nameof(type)),
    };
}
