namespace Spindle.Selectors;

/// <summary>
/// One registration: the object registered, its descriptor, the events waited for and the caller's data.
/// Python: <c>selectors.SelectorKey(fileobj, fd, events, data)</c>.
/// </summary>
/// <param name="FileObject">What was passed to <see cref="ISelector.Register"/>: a <see cref="System.Net.Sockets.Socket"/>,
/// a <see cref="System.Runtime.InteropServices.SafeHandle"/>, an <see cref="IHasFileDescriptor"/> or a boxed <see cref="int"/> fd. Python: <c>fileobj</c>.</param>
/// <param name="Fd">The file descriptor. Python: <c>fd</c>.</param>
/// <param name="Events">The events waited for. Python: <c>events</c>.</param>
/// <param name="Data">The caller's data. Python: <c>data</c>.</param>
public sealed record SelectorKey(object FileObject, int Fd, SelectorEvents Events, object? Data);
