namespace AntiDrugFlow.Workflows.Definitions;

/// <summary>One problem with a definition: where it is (a JSON path such as <c>$.root.activities[2].type</c>) and what is wrong.</summary>
public sealed record DefinitionError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A definition could not be used; carries every error found.</summary>
public sealed class DefinitionValidationException(IReadOnlyList<DefinitionError> errors)
    : Exception("The workflow definition is not valid: " + string.Join("; ", errors))
{
    public IReadOnlyList<DefinitionError> Errors { get; } = errors;
}
