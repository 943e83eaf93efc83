using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;

namespace Spindle.Coroutines;

/// <summary>
/// A coroutine scheduled on its thread's <see cref="Hub"/>, and the handle to it. Python: <c>gevent.Greenlet</c>
/// (what <c>gevent.spawn</c> returns). Create with <see cref="Hub.Spawn(Func{Task})"/>.
/// </summary>
/// <remarks>
/// Its parent is the hub. Unlike a raw <see cref="Greenlet"/>, an exception escaping it does not go to the parent: it is
/// kept in <see cref="Exception"/>, reported through <see cref="Hub.ErrorHandler"/>, and raised by <see cref="Get"/>
/// (and by <see cref="Hub.JoinAll"/> with <c>raiseError</c>); <see cref="Join"/> only waits, as gevent's does.
/// A coroutine killed with <see cref="GreenletExitException"/> counts as successful (gevent's value is then the
/// GreenletExit object; here <see cref="Value"/> is the default).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The source has no timer to release, and its token may outlive the greenlet.")]
public class HubGreenlet : Greenlet, IHubWaitable
{
    private static int s_counter;
    private readonly Func<Task>? _function;
    // Every link, in the order added (gevent's _links): Spindle's own observers and the callbacks of Link/RawLink.
    // null, the one link, or a List<object> of them: most greenlets have one link (a join, a group or a JoinAll), and a
    // list per greenlet cost spawn+join a fifth of its rate.
    private object? _links;
    private bool _notifierScheduled;
    private Exception? _exception;
    private bool _scheduled;
    private int _startSeq;
    private CancellationTokenSource? _cancellation;
    private string? _name;

    /// <summary>Creates a coroutine that runs <paramref name="function"/> once started. Python: <c>Greenlet(run)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public HubGreenlet(Func<Task> function) : this()
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
    }

    private protected HubGreenlet() : base(Hub.Current) => Number = Interlocked.Increment(ref s_counter);

    /// <summary>The coroutine's name, <c>Greenlet-N</c> by default. Python: <c>Greenlet.name</c>.</summary>
    public string Name
    {
        get => _name ?? string.Create(CultureInfo.InvariantCulture, $"Greenlet-{Number}");
        set => _name = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Whether it was started (scheduled) or is running, and has not finished: false again once dead, as gevent's
    /// <c>started</c> is <c>bool(g)</c>. Python: <c>Greenlet.started</c>.
    /// </summary>
    public bool IsStarted => !IsDead && WasStarted;

    /// <summary>
    /// Whether it is scheduled or running and not finished; unlike a raw greenlet's, true already before its first run.
    /// Python: <c>bool(gevent.Greenlet)</c>.
    /// </summary>
    public override bool IsActive => IsStarted;

    /// <summary>Whether it has finished, one way or another. Python: <c>Greenlet.ready()</c>.</summary>
    public bool IsReady => IsDead;

    /// <summary>Whether it finished without an exception (or was killed with GreenletExit). Python: <c>Greenlet.successful()</c>.</summary>
    public bool IsSuccessful => IsDead && _exception is null;

    /// <summary>The exception that ended it; null while it runs or when it succeeded. Python: <c>Greenlet.exception</c>.</summary>
    public Exception? Exception => _exception;

    /// <summary>Its result once successful; null otherwise (and always for a coroutine without a result). Python: <c>Greenlet.value</c>.</summary>
    public object? Value => BoxedValue;

    /// <summary>
    /// A token cancelled when the coroutine is killed: pass it to the .NET calls it awaits, so that a kill also stops them
    /// (a kill otherwise reaches a coroutine inside an await of a .NET task only when that task completes).
    /// </summary>
    public CancellationToken CancellationToken
    {
        get
        {
            if (_cancellation is null)
            {
                _cancellation = new CancellationTokenSource();
                if (IsDead) _cancellation.Cancel();
            }
            return _cancellation.Token;
        }
    }

    internal int Number { get; }

    Exception? IHubWaitable.ReadyException => _exception;

    // Start is once only: a greenlet that ran (or was killed before it could) is never scheduled again.
    private bool WasStarted => _scheduled || Status != GreenletStatus.Pending;

    private protected override string DisplayName => Name;

    private protected virtual object? BoxedValue => null;

    /// <summary>Schedules the coroutine to run in the hub; nothing if it was already. Python: <c>Greenlet.start()</c>.</summary>
    public void Start()
    {
        Owner.CheckThread();
        if (WasStarted) return;
        _scheduled = true;
        Hub.Current.ScheduleStart(this);
    }

    /// <summary>Schedules the coroutine to start after <paramref name="delay"/>. Python: <c>Greenlet.start_later(seconds)</c>.</summary>
    public void StartLater(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Owner.CheckThread();
        if (WasStarted) return;
        _scheduled = true;
        Hub.Current.AddTimer(Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency), new DelayedStart(this), ++_startSeq);
    }

    /// <summary>
    /// Waits until the coroutine finishes or <paramref name="timeout"/> passes; does not raise its exception.
    /// Python: <c>Greenlet.join(timeout=None)</c>. Main code only; coroutines await <see cref="JoinAsync"/>.
    /// </summary>
    /// <returns>Whether it finished.</returns>
    public bool Join(TimeSpan? timeout = null)
    {
        return MainGreenlet.Run(nameof(Join), () => JoinAsync(timeout));
    }

    /// <summary>Awaitable twin of <see cref="Join"/>.</summary>
    public async ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Owner.CheckThread();
        if (IsDead) return true;
        cancellationToken.ThrowIfCancellationRequested();
        var hub = Hub.ForWait("HubGreenlet.JoinAsync", out var self);
        if (self == this) throw new InvalidOperationException($"{this} cannot join itself.");
        var seq = self.BeginWait();
        var joiner = new Joiner(hub, self, seq);
        AddLink(joiner);
        try
        {
            // A join is woken by the links' notifier, a step after the death: a timeout falling between still joined.
            return await hub.Park(self, seq, timeout, cancellationToken) != Hub.TimedOut || IsDead;
        }
        finally
        {
            RemoveLink(joiner);
        }
    }

    /// <summary>
    /// Waits for the coroutine and raises its exception, if any. Python: <c>Greenlet.get(block=True, timeout=None)</c>.
    /// Main code only; coroutines await <see cref="GetAsync"/> (or the greenlet itself).
    /// </summary>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/> (Python: <c>gevent.Timeout</c>).</exception>
    public void Get(TimeSpan? timeout = null)
    {
        MainGreenlet.Run(nameof(Get), () => GetAsync(timeout));
    }

    /// <summary>Awaitable twin of <see cref="Get"/>.</summary>
    public async ValueTask GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await WaitReadyAsync(timeout, cancellationToken).ConfigureAwait(true);
        ThrowIfFailed();
    }

    /// <summary>Awaiting a coroutine waits for it and raises its exception. Python: <c>greenlet.get()</c>.</summary>
#pragma warning disable CA2012 // the awaiter is consumed once, by the await it serves
    public System.Runtime.CompilerServices.ValueTaskAwaiter GetAwaiter() => GetAsync().GetAwaiter();
#pragma warning restore CA2012

    /// <summary>
    /// Kills the coroutine: raises <paramref name="exception"/> (<see cref="GreenletExitException"/> by default) inside it,
    /// where it waits, so its <c>finally</c> blocks run; one not yet started never runs. With <paramref name="block"/>,
    /// waits up to <paramref name="timeout"/> for it to die. Python: <c>Greenlet.kill(exception=GreenletExit, block=True, timeout=None)</c>.
    /// A coroutine awaiting a .NET task is reached when that task completes, unless the task observes
    /// <see cref="CancellationToken"/>, which this cancels.
    /// </summary>
    /// <exception cref="InvalidOperationException">Blocking from inside a coroutine (await <see cref="KillAsync"/>).</exception>
    public void Kill(Exception? exception = null, bool block = true, TimeSpan? timeout = null)
    {
        Owner.CheckThread();
        if (Owner.Running == this) ExceptionDispatchInfo.Throw(exception ?? new GreenletExitException());
        if (block) Hub.RequireMain(nameof(Kill));
        RequestKill(exception ?? new GreenletExitException());
        if (block) Join(timeout);
    }

    /// <summary>Awaitable twin of <see cref="Kill"/>: kills, then waits up to <paramref name="timeout"/> for the coroutine to die.</summary>
    public async ValueTask KillAsync(Exception? exception = null, TimeSpan? timeout = null)
    {
        Owner.CheckThread();
        if (Owner.Running == this) ExceptionDispatchInfo.Throw(exception ?? new GreenletExitException());
        RequestKill(exception ?? new GreenletExitException());
        await JoinAsync(timeout).ConfigureAwait(true);
    }

    /// <summary>Calls <paramref name="callback"/> in the hub once the coroutine has finished (at once if it has).
    /// Python: <c>Greenlet.link(callback)</c>.</summary>
    public void Link(Action<HubGreenlet> callback) => AddUserLink(callback, LinkKind.Any);

    /// <summary>
    /// Calls <paramref name="callback"/> with this greenlet in the hub once it has finished (soon, if it has). Python:
    /// <c>Greenlet.rawlink(callback)</c>. The same as <see cref="Link"/> here: gevent's <c>link</c> differs only by
    /// running the callback in a greenlet of its own, and an <see cref="Action{T}"/> cannot wait either way. A callback
    /// that throws is reported through <see cref="Hub.ErrorHandler"/> and the next link still runs.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null (Python: <c>TypeError</c>).</exception>
    public void RawLink(Action<HubGreenlet> callback) => AddUserLink(callback, LinkKind.Any);

    /// <summary>Like <see cref="Link"/>, only if it succeeds. Python: <c>Greenlet.link_value(callback)</c>.</summary>
    public void LinkValue(Action<HubGreenlet> callback) => AddUserLink(callback, LinkKind.Value);

    /// <summary>Like <see cref="Link"/>, only if it fails. Python: <c>Greenlet.link_exception(callback)</c>.</summary>
    public void LinkException(Action<HubGreenlet> callback) => AddUserLink(callback, LinkKind.Exception);

    /// <summary>
    /// Removes every link of <paramref name="callback"/> (added by <see cref="Link"/>, <see cref="RawLink"/>,
    /// <see cref="LinkValue"/> or <see cref="LinkException"/>); one not yet called is then never called, even when the
    /// greenlet has died and an earlier link's callback is the one unlinking it. Python: <c>Greenlet.unlink(callback)</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    public void Unlink(Action<HubGreenlet> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Owner.CheckThread();
        RemoveLinks(l => l is UserLink u && u.Callback == callback);
    }

    /// <summary>
    /// Removes every callback linked with <see cref="Link"/>, <see cref="RawLink"/>, <see cref="LinkValue"/> or
    /// <see cref="LinkException"/>. Python: <c>Greenlet.unlink_all()</c>. Unlike gevent's, it leaves the waits of
    /// <see cref="Join"/>, groups and pools linked: removing them would strand their waiters.
    /// </summary>
    public void UnlinkAll()
    {
        Owner.CheckThread();
        RemoveLinks(static l => l is UserLink);
    }

    /// <summary>
    /// Whether anything is still linked: a callback not yet called, or a wait on the greenlet (a join, a group, a pool).
    /// Python: <c>Greenlet.has_links()</c>.
    /// </summary>
    public bool HasLinks => _links is not (null or List<object> { Count: 0 });

    void IHubWaitable.AddReadyObserver(IReadyObserver observer) => AddLink(observer);

    void IHubWaitable.RemoveReadyObserver(IReadyObserver observer) => RemoveLink(observer);

    /// <summary>gevent's repr, e.g. <c>&lt;HubGreenlet "Greenlet-3" dead&gt;</c>.</summary>
    public override string ToString()
    {
        var state = Status switch
        {
            GreenletStatus.Pending => WasStarted ? "scheduled" : "pending",
            GreenletStatus.Dead => _exception is null ? "dead" : $"dead, failed with {_exception.GetType().Name}",
            _ => "running",
        };
        return $"<{GetType().Name} \"{Name}\" {state}>";
    }

    private protected override Task StartCore(object? argument) => _function!();

    /// <summary>Takes the result of a completed body (raises what it raised).</summary>
    private protected virtual void CaptureResult(Task body) => body.GetAwaiter().GetResult();

    internal override void Finished(Task body, out object? value, out Exception? error)
    {
        (value, error) = (null, null);
        try
        {
            CaptureResult(body);
        }
        catch (GreenletExitException)
        {
            // Killed: a normal end, as in gevent.
        }
#pragma warning disable CA1031 // kept, reported and raised by Get, never passed to the hub
        catch (Exception e)
        {
            _exception = e;
        }
#pragma warning restore CA1031
        if (_exception is not null) Hub.ReportError(this, _exception);
        _cancellation?.Cancel();
        NotifyLinks();
    }

    internal void AddLink(object link)
    {
        switch (_links)
        {
            case null:
                _links = link;
                break;
            case List<object> many:
                many.Add(link);
                break;
            default:
                _links = new List<object> { _links, link };
                break;
        }
    }

    internal void RemoveLink(object link) => RemoveLinks(l => l == link);

    private void RemoveLinks(Predicate<object> match)
    {
        if (_links is List<object> many) many.RemoveAll(match);
        else if (_links is { } one && match(one)) _links = null;
    }

    // The first link, removed from the links; null when there is none.
    private object? TakeFirstLink()
    {
        switch (_links)
        {
            case null:
                return null;
            case List<object> many:
                if (many.Count == 0) return null;
                var first = many[0];
                many.RemoveAt(0);
                return first;
            default:
                var one = _links;
                _links = null;
                return one;
        }
    }

    /// <summary>Raises the exception that ended the coroutine, if any.</summary>
    private protected void ThrowIfFailed()
    {
        if (_exception is not null) ExceptionDispatchInfo.Throw(_exception);
    }

    /// <summary>Waits until ready; a timeout raises <see cref="TimeoutException"/>.</summary>
    private protected async ValueTask WaitReadyAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (!await JoinAsync(timeout, cancellationToken).ConfigureAwait(true))
            throw new TimeoutException($"{this} did not finish within {timeout}.");
    }

    private void RequestKill(Exception exception)
    {
        if (IsDead) return;
        _cancellation?.Cancel();
        var hub = Hub.Current;
        if (Status == GreenletStatus.Pending)
        {
            // gevent: a greenlet killed before it started never runs, and its links are told at once.
            _startSeq++;
            Status = GreenletStatus.Dead;
            Finished(Task.FromException(exception), out _, out _);
            return;
        }
        hub.Schedule(static s =>
        {
            var (target, error) = ((HubGreenlet, Exception))s!;
            Hub.ThrowInto(target, error);
        }, (this, exception));
    }

    private void AddUserLink(Action<HubGreenlet> callback, LinkKind kind)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Owner.CheckThread();
        AddLink(new UserLink(callback, kind));
        if (IsDead) ScheduleNotifier();
    }

    private void NotifyLinks()
    {
        // Groups, pools and many-object waits learn in the dying greenlet's last step, so a pool's slot is free and a
        // group's count is right as soon as the greenlet is dead; joins and callbacks wait for the notifier, in order.
        // The observers are taken out of the links before any is told: telling one may unlink another.
        switch (_links)
        {
            case null:
                return;
            case List<object> many when !many.TrueForAll(IsImmediate):
                var immediate = many.FindAll(IsImmediate);
                many.RemoveAll(IsImmediate);
                foreach (var link in immediate) Tell(link);
                break;
            case List<object> many:
                _links = null;
                foreach (var link in many) Tell(link);
                break;
            case var one when IsImmediate(one):
                _links = null;
                Tell(one);
                break;
        }
        if (HasLinks) ScheduleNotifier();
    }

    private void Tell(object observer)
    {
        if (observer is IReadyObserver ready) ready.OnReady(this);
        else ((IGreenletObserver)observer).OnDone(this);
    }

    private static bool IsImmediate(object link) => link is IReadyObserver || (link is IGreenletObserver && link is not Joiner);

    private void ScheduleNotifier()
    {
        if (_notifierScheduled) return;
        _notifierScheduled = true;
        Hub.Current.Schedule(static s => ((HubGreenlet)s!).RunLinks(), this);
    }

    // gevent's _notify_links: one link at a time, taken from the front, so a callback that unlinks a later one stops
    // it, and a link added meanwhile runs in the same pass.
    private void RunLinks()
    {
        _notifierScheduled = false;
        while (TakeFirstLink() is { } link)
        {
            switch (link)
            {
                case Joiner joiner:
                    joiner.OnDone(this);
                    break;
                case UserLink user when user.AppliesTo(_exception):
                    HubLinks.Call(user.Callback, this);
                    break;
            }
        }
    }

    private enum LinkKind
    {
        Any,
        Value,
        Exception,
    }

    // The timer of StartLater (a separate target: the greenlet's own timers are its waits).
    private sealed class DelayedStart(HubGreenlet greenlet) : ITimerTarget
    {
        public bool IsCurrent(int seq) => seq == greenlet._startSeq && greenlet.Status == GreenletStatus.Pending;

        public void Fire(Hub hub, int seq) => hub.ScheduleStart(greenlet);
    }

    private sealed record UserLink(Action<HubGreenlet> Callback, LinkKind Kind)
    {
        public bool AppliesTo(Exception? exception) => Kind switch
        {
            LinkKind.Value => exception is null,
            LinkKind.Exception => exception is not null,
            _ => true,
        };
    }

    // A greenlet waiting in Join: woken when this one dies.
    private sealed class Joiner(Hub hub, Greenlet waiter, int seq) : IGreenletObserver
    {
        public void OnDone(HubGreenlet greenlet) => hub.Wake(waiter, seq);
    }
}

/// <summary>Internal links: told synchronously, in the dying greenlet's last step, that it finished.</summary>
internal interface IGreenletObserver
{
    /// <summary><paramref name="greenlet"/> has finished.</summary>
    void OnDone(HubGreenlet greenlet);
}
