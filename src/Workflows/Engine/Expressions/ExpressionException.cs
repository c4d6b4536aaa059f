using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>An expression failed at run time; the path names the expression's place in the definition.</summary>
public sealed class ExpressionException : WorkflowFaultException
{
    public ExpressionException(ErrorKind kind, string path, params string[] values)
        : base(kind, path, values, null)
    {
    }

    public ExpressionException(Exception inner, ErrorKind kind, string path, params string[] values)
        : base(kind, path, values, inner)
    {
    }
}
