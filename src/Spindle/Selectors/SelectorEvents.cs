namespace Spindle.Selectors;

/// <summary>
/// What a registration waits for. Python: <c>selectors.EVENT_READ</c> / <c>selectors.EVENT_WRITE</c>.
/// </summary>
[Flags]
public enum SelectorEvents
{
    /// <summary>No event; never valid for <see cref="ISelector.Register"/> (Python raises <c>ValueError</c>).</summary>
    None = 0,

    /// <summary>Readable: data, an incoming connection, end of stream or an error. Python: <c>EVENT_READ</c>.</summary>
    Read = 1,

    /// <summary>Writable without blocking, or an error. Python: <c>EVENT_WRITE</c>.</summary>
    Write = 2,
}
