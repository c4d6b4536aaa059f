namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>An expression failed at run time; the message names the expression's place in the definition.</summary>
public sealed class ExpressionException(string message, Exception? inner = null) : Exception(message, inner);
