namespace Spindle.Selectors;

/// <summary>
/// Anything backed by one file descriptor that a selector can wait on (Spindle's pipe <c>Connection</c>, your own types).
/// Python: an object with a <c>fileno()</c> method ("file object" in <c>selectors</c>).
/// </summary>
public interface IHasFileDescriptor
{
    /// <summary>The descriptor, or −1 once closed. Python: <c>fileno()</c>.</summary>
    int FileDescriptor { get; }
}
