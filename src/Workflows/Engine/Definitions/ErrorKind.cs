using System.Text.RegularExpressions;

namespace AntiDrugFlow.Workflows.Definitions;

/// <summary>
/// A kind of problem the engine reports: a stable code for programs and logs, what it means (English,
/// for docs/ENGINE.md), and the zh-TW message people read, whose named placeholders such as
/// <c>{target}</c> are filled in the order of <see cref="Parameters"/>.
/// </summary>
public sealed partial class ErrorKind
{
    private readonly string[] _parameters;

    public ErrorKind(string code, string meaning, string message, params string[] parameters)
    {
        Code = code;
        Meaning = meaning;
        Message = message;
        _parameters = parameters;
    }

    /// <summary>Stable and machine-readable, e.g. <c>connection.unknown-target</c>.</summary>
    public string Code { get; }

    public string Meaning { get; }

    /// <summary>The zh-TW template, e.g. <c>連線的目標「{target}」不是此流程圖中的活動</c>.</summary>
    public string Message { get; }

    public IReadOnlyList<string> Parameters => _parameters;

    /// <summary>The placeholders the template names, in order of appearance.</summary>
    public IReadOnlyList<string> Placeholders => [.. Placeholder().Matches(Message).Select(m => m.Groups[1].Value)];

    /// <summary>The zh-TW message with each placeholder replaced by its value (one pass, so a value is never read as a placeholder).</summary>
    public string Format(params string[] values)
    {
        if (values.Length != _parameters.Length)
        {
            throw new ArgumentException($"{Code} takes {_parameters.Length} value(s) ({string.Join(", ", _parameters)}), not {values.Length}", nameof(values));
        }

        return Placeholder().Replace(Message, m =>
        {
            var index = Array.IndexOf(_parameters, m.Groups[1].Value);
            return index < 0 ? m.Value : values[index];
        });
    }

    /// <summary>An error of this kind at a JSON path.</summary>
    public DefinitionError At(string path, params string[] values) => new(path, Code, Format(values));

    public override string ToString() => Code;

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();
}
