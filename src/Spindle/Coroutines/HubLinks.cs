namespace Spindle.Coroutines;

/// <summary>
/// The callbacks of <c>RawLink</c> on an event or an async result: gevent's <c>AbstractLinkable</c> links. Each is
/// called once, in the hub, after the source becomes ready (soon, when linked to one ready already), one at a time in
/// the order linked; one unlinked before its turn is not called, and a failing one is reported and the rest still run.
/// </summary>
internal sealed class HubLinks<TSource>(TSource source) where TSource : class
{
    private readonly List<Action<TSource>> _callbacks = [];
    private bool _scheduled;

    public void Add(Action<TSource> callback, bool ready)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _callbacks.Add(callback);
        if (ready) Notify();
    }

    public void Remove(Action<TSource> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _callbacks.Remove(callback);
    }

    /// <summary>Schedules the callbacks linked so far to run in the hub.</summary>
    public void Notify()
    {
        if (_scheduled || _callbacks.Count == 0) return;
        _scheduled = true;
        Hub.Current.Schedule(static s => ((HubLinks<TSource>)s!).Run(), this);
    }

    // As gevent's _notify_link_list: one taken from the front at a time, so an earlier callback's unlink is seen; a
    // link added meanwhile (the source being ready, it is due too) runs in the same pass.
    private void Run()
    {
        _scheduled = false;
        while (_callbacks.Count > 0)
        {
            var callback = _callbacks[0];
            _callbacks.RemoveAt(0);
            HubLinks.Call(callback, source);
        }
    }
}

internal static class HubLinks
{
    /// <summary>Calls a link's <paramref name="callback"/> with <paramref name="source"/>, reporting a failure.</summary>
    public static void Call<TSource>(Action<TSource> callback, TSource source) where TSource : class
    {
        try
        {
            callback(source);
        }
#pragma warning disable CA1031 // gevent's handle_error: one failing link must not cost the others their call
        catch (Exception e)
        {
            Hub.ReportError(source, e);
        }
#pragma warning restore CA1031
    }
}
