namespace AntiDrugFlow.Workflows.Definitions;

/// <summary>
/// One problem with a definition: where it is (a JSON path such as <c>$.root.activities[2].type</c>), its
/// stable code from <see cref="DefinitionErrorKinds"/>, and the zh-TW message that says what is wrong.
/// Made only through <see cref="ErrorKind.At"/>, so every error has a code and a message from the catalogue.
/// </summary>
public sealed record DefinitionError
{
    internal DefinitionError(string path, string code, string message)
    {
        Path = path;
        Code = code;
        Message = message;
    }

    public string Path { get; }

    public string Code { get; }

    public string Message { get; }

    public override string ToString() => $"{Path} [{Code}] {Message}";
}

/// <summary>A definition could not be used; carries every error found. The exception's own message lists paths and codes, for logs.</summary>
public sealed class DefinitionValidationException(IReadOnlyList<DefinitionError> errors)
    : Exception("The workflow definition is not valid: " + string.Join("; ", errors.Select(e => $"{e.Path} {e.Code}")))
{
    public IReadOnlyList<DefinitionError> Errors { get; } = errors;
}
