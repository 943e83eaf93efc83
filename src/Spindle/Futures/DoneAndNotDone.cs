namespace Spindle;

/// <summary>
/// What <see cref="Futures.Wait"/> returns: the futures that completed (finished or cancelled) and those that did not
/// (Python: the named tuple <c>DoneAndNotDoneFutures(done, not_done)</c>). Deconstructs as <c>var (done, notDone) = …</c>.
/// </summary>
/// <param name="Done">Futures that finished or were cancelled. Python: <c>done</c>.</param>
/// <param name="NotDone">Futures still pending or running. Python: <c>not_done</c>.</param>
public sealed record DoneAndNotDone(IReadOnlySet<Future> Done, IReadOnlySet<Future> NotDone);
