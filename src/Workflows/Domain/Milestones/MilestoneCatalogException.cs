namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>A milestone catalog file that cannot be used, naming the item and field at fault.</summary>
public sealed class MilestoneCatalogException : Exception
{
    public MilestoneCatalogException(string message, string? itemId = null, string? field = null, Exception? inner = null)
        : base(message, inner)
    {
        ItemId = itemId;
        Field = field;
    }

    /// <summary>The item at fault, or null when the problem is the file as a whole.</summary>
    public string? ItemId { get; }

    /// <summary>The JSON field at fault, when there is one.</summary>
    public string? Field { get; }
}
