using System.Runtime.CompilerServices;

namespace Spindle.Coroutines;

/// <summary>
/// A value of which every greenlet has its own: a coroutine sees only what it set, and a thread's main greenlet (and
/// its hub) have theirs. Python: <c>gevent.local.local</c>. Unlike gevent's, which holds attributes, it holds one
/// value; keep several in a record or a class.
/// </summary>
/// <remarks>
/// The values are keyed weakly by greenlet, so a dead greenlet that nothing else holds takes its value with it
/// (gevent drops a greenlet's dictionary when the greenlet goes). Usable from any thread: each thread's greenlets are
/// its own.
/// </remarks>
/// <typeparam name="T">The value type.</typeparam>
public sealed class HubLocal<T>
{
    private readonly ConditionalWeakTable<Greenlet, Box> _values = [];
    private readonly Func<T>? _factory;

    /// <summary>
    /// Creates a local whose value starts, in each greenlet, as what <paramref name="factory"/> returns there (called at
    /// the greenlet's first read), or the default when there is none. Python: <c>local()</c>, or a subclass of it whose
    /// <c>__init__</c> sets the defaults (gevent runs it again in each greenlet that touches the local).
    /// </summary>
    public HubLocal(Func<T>? factory = null) => _factory = factory;

    /// <summary>
    /// The current greenlet's value; the first read creates it from the factory. Python: reading and setting an
    /// attribute of a <c>gevent.local.local</c>.
    /// </summary>
    public T Value
    {
        get
        {
            var current = Greenlet.Current;
            if (_values.TryGetValue(current, out var box)) return box.Value;
            box = new Box(_factory is null ? default! : _factory());
            // The factory may have set the value itself: its own value wins, as gevent's __init__ does.
            return _values.GetValue(current, _ => box).Value;
        }
        set
        {
            var current = Greenlet.Current;
            if (_values.TryGetValue(current, out var box)) box.Value = value;
            else _values.AddOrUpdate(current, new Box(value));
        }
    }

    /// <summary>Whether the current greenlet has a value (set, or created by a read). Python: <c>hasattr(local, name)</c>.</summary>
    public bool HasValue => _values.TryGetValue(Greenlet.Current, out _);

    /// <summary>
    /// Forgets the current greenlet's value: the next read starts again from the factory. Python:
    /// <c>del local.name</c> (where the next read raises <c>AttributeError</c>; here it gives the default again).
    /// </summary>
    /// <returns>Whether it had one.</returns>
    public bool Clear() => _values.Remove(Greenlet.Current);

    private sealed class Box(T value)
    {
        public T Value { get; set; } = value;
    }
}
