namespace Spindle.Serialization;

/// <summary>
/// Internal carrier of a refusal while it unwinds: each level it passes adds its segment of the path (argument,
/// captured variable, property, element …), so the success path pays nothing for path bookkeeping.
/// </summary>
#pragma warning disable CA1032, CA1064 // internal carrier, never escapes the codec
internal sealed class PathException(Type offendingType, string reason, Exception? inner = null) : Exception(reason, inner)
#pragma warning restore CA1032, CA1064
{
    private readonly List<string> _segments = [];

    public Type OffendingType { get; } = offendingType;

    public string Reason { get; } = reason;

    /// <summary>Adds the segment of the level the exception is leaving (outermost last).</summary>
    public PathException Within(string? segment)
    {
        if (segment is not null) _segments.Add(segment);
        return this;
    }

    public NotTransferableException ToPublic(string root)
    {
        var parts = new List<string>(_segments.Count + 1) { root };
        for (var i = _segments.Count - 1; i >= 0; i--) parts.Add(_segments[i]);
        parts.RemoveAll(string.IsNullOrEmpty);
        var path = parts.Count == 0 ? "value" : string.Join(" → ", parts);
        return new NotTransferableException(path, OffendingType, Reason, InnerException);
    }
}

/// <summary>
/// A closure object was sent with only the fields one lambda needs and is then needed by another lambda of the same
/// scope: the payload is encoded again with whole closure objects.
/// </summary>
#pragma warning disable CA1032, CA1064 // internal signal, never escapes the codec
internal sealed class PruningConflictException() : Exception("A closure object is shared by lambdas that use different captured variables.");
#pragma warning restore CA1032, CA1064
