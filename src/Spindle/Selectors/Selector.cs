using System.Collections.ObjectModel;
using System.Runtime.InteropServices;
using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>
/// What every selector shares: the fd → key map, validation, timeouts, EINTR retry, the wake-up descriptor and a
/// lifetime that lets <see cref="Dispose()"/> run while another thread is in <see cref="Select"/>.
/// Each OS mechanism (<see cref="SelectSelector"/>, <see cref="PollSelector"/>, <see cref="EpollSelector"/>) only adds,
/// changes and removes descriptors in the kernel's terms and waits. Python: <c>selectors._BaseSelectorImpl</c>.
/// </summary>
public abstract class Selector : ISelector
{
    private readonly Dictionary<int, SelectorKey> _keys = [];
    private readonly ReadyList _ready = new();
    private Lifetime? _lifetime;
    private int _wakeFd = -1;
    private volatile bool _disposed;

    /// <summary>Only Spindle's mechanisms derive from this class.</summary>
    private protected Selector() => Keys = new KeyView(this);

    /// <summary>The best selector for this platform: <see cref="EpollSelector"/> on Linux, <see cref="PollSelector"/> elsewhere.
    /// Python: <c>selectors.DefaultSelector()</c>.</summary>
    public static ISelector CreateDefault() => OperatingSystem.IsLinux() ? new EpollSelector() : new PollSelector();

    /// <inheritdoc/>
    public IReadOnlyDictionary<int, SelectorKey> Keys
    {
        get { ThrowIfDisposed(); return field; }
    }

    /// <inheritdoc/>
    public SelectorKey Register(object fileObject, SelectorEvents events, object? data = null)
    {
        ThrowIfDisposed();
        ValidateEvents(events);
        var fd = FileObjects.ToFd(fileObject);
        if (_keys.TryGetValue(fd, out var existing))
            throw new ArgumentException($"{FileObjects.Describe(fileObject, fd)} is already registered (as {FileObjects.Describe(existing.FileObject, fd)}).", nameof(fileObject));
        if (fd == _wakeFd)
            throw new ArgumentException($"fd {fd} is this selector's own wake-up descriptor.", nameof(fileObject));
        if (Libc.FcntlInt(fd, Libc.F_GETFD, 0) < 0)
            throw new ArgumentException($"Cannot register {FileObjects.Describe(fileObject, fd)}: {Libc.Describe(Libc.LastErrno)}.", nameof(fileObject));
        CheckDescriptor(fd, fileObject);
        AddCore(fd, events);
        var key = new SelectorKey(fileObject, fd, events, data);
        _keys.Add(fd, key);
        return key;
    }

    /// <inheritdoc/>
    public SelectorKey Unregister(object fileObject)
    {
        ThrowIfDisposed();
        var key = Lookup(fileObject) ?? throw NotRegistered(fileObject);
        _keys.Remove(key.Fd);
        RemoveCore(key.Fd);
        return key;
    }

    /// <inheritdoc/>
    public SelectorKey Modify(object fileObject, SelectorEvents events, object? data = null)
    {
        ThrowIfDisposed();
        ValidateEvents(events);
        var key = Lookup(fileObject) ?? throw NotRegistered(fileObject);
        if (key.Events == events && ReferenceEquals(key.Data, data)) return key;
        if (key.Events != events)
        {
            try
            {
                ModifyCore(key.Fd, events);
            }
            catch
            {
                // As Python (bpo-30014): a registration the kernel refused to change (its descriptor closed) is dropped.
                _keys.Remove(key.Fd);
                RemoveCore(key.Fd);
                throw;
            }
        }
        var changed = key with { Events = events, Data = data };
        _keys[key.Fd] = changed;
        return changed;
    }

    /// <inheritdoc/>
    public SelectorKey GetKey(object fileObject)
    {
        ThrowIfDisposed();
        return Lookup(fileObject) ?? throw NotRegistered(fileObject);
    }

    /// <inheritdoc/>
    public bool TryGetKey(object fileObject, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SelectorKey? key)
    {
        ThrowIfDisposed();
        key = Lookup(fileObject);
        return key is not null;
    }

    /// <inheritdoc/>
    public ReadyList Select(TimeSpan? timeout = null)
    {
        var wait = PollIfNegative(timeout);
        ThrowIfDisposed();
        var lifetime = _lifetime!;
        var added = false;
        try
        {
            // Holding a reference defers Dispose's close of the kernel objects until this wait is over.
            lifetime.DangerousAddRef(ref added);
            _ready.Clear();
            var count = WaitTimeout.Retry(this, static (self, t) => self.WaitCore(t), wait, WaitSyscall);
            if (count > 0) CollectCore(count);
            return _ready;
        }
        catch (ObjectDisposedException) when (!added)
        {
            throw new ObjectDisposedException(GetType().FullName);
        }
        finally
        {
            if (added) lifetime.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    public Task<ReadyList> SelectAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<ReadyList>(cancellationToken);
        return Task.Run(() =>
        {
            using (cancellationToken.UnsafeRegister(static s => ((Selector)s!).WakeIfAlive(), this))
            {
                var ready = Select(timeout);
                cancellationToken.ThrowIfCancellationRequested();
                return ready;
            }
        }, cancellationToken);
    }

    // Python's select(timeout) does not block for any timeout <= 0; only .NET's InfiniteTimeSpan (−1 ms) means forever.
    private static TimeSpan? PollIfNegative(TimeSpan? timeout) =>
        timeout is { } t && t < TimeSpan.Zero && t != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : Deadline.Validate(timeout);

    /// <inheritdoc/>
    public void Wake()
    {
        ThrowIfDisposed();
        WakeIfAlive();
    }

    /// <summary>Closes the selector and forgets every registration (the registered objects stay open). Python: <c>close()</c>.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the kernel objects; a <see cref="Select"/> in progress on another thread is woken first.</summary>
    /// <param name="disposing">false when called from a finalizer.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        WakeIfAlive();
        // The keys stay (views of them read as empty once disposed): a Select still finishing on another thread may read them.
        _lifetime?.Dispose();
    }

    /// <summary>The name of the wait syscall, for error messages.</summary>
    private protected abstract string WaitSyscall { get; }

    /// <summary>Refuses a descriptor this mechanism cannot watch (select's FD_SETSIZE); the default accepts all.</summary>
    private protected virtual void CheckDescriptor(int fd, object fileObject) { }

    /// <summary>Starts watching <paramref name="fd"/> in the kernel's terms.</summary>
    private protected abstract void AddCore(int fd, SelectorEvents events);

    /// <summary>Changes the events of a watched fd.</summary>
    private protected abstract void ModifyCore(int fd, SelectorEvents events);

    /// <summary>Stops watching <paramref name="fd"/>, which may already be closed.</summary>
    private protected abstract void RemoveCore(int fd);

    /// <summary>One wait: the count of ready entries, or −1 with errno set.</summary>
    private protected abstract int WaitCore(TimeSpan? timeout);

    /// <summary>Calls <see cref="Report"/> for each of the <paramref name="count"/> ready entries of the last wait.</summary>
    private protected abstract void CollectCore(int count);

    /// <summary>Closes the mechanism's kernel objects; called once, when no wait is in progress.</summary>
    private protected abstract void ReleaseCore();

    /// <summary>
    /// Called by each mechanism's constructor once its kernel object exists: creates the wake-up eventfd and watches it.
    /// </summary>
    private protected void Initialize()
    {
        var fd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (fd < 0)
        {
            var errno = Libc.LastErrno;
            ReleaseCore();
            throw new IOException($"eventfd failed: {Libc.Describe(errno)}.");
        }
        _wakeFd = fd;
        _lifetime = new Lifetime(this);
        try
        {
            CheckDescriptor(fd, fd);
            AddCore(fd, SelectorEvents.Read);
        }
        catch
        {
            _lifetime.Dispose();
            throw;
        }
    }

    /// <summary>Records that <paramref name="fd"/> is ready for <paramref name="events"/> (any error bits already folded in).</summary>
    private protected void Report(int fd, SelectorEvents events)
    {
        if (fd == _wakeFd)
        {
            DrainWake();
            return;
        }
        if (_keys.TryGetValue(fd, out var key) && (events &= key.Events) != 0)
            _ready.Add(key, events);
    }

    private SelectorKey? Lookup(object fileObject)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        if (FileObjects.TryToFd(fileObject, out var fd, out _))
            return _keys.TryGetValue(fd, out var key) ? key : null;
        // A closed object has no fd any more: find it by identity, as Python does, so it can still be unregistered.
        foreach (var candidate in _keys.Values)
            if (ReferenceEquals(candidate.FileObject, fileObject)) return candidate;
        return null;
    }

    private static void ValidateEvents(SelectorEvents events)
    {
        if (events == SelectorEvents.None || (events & ~(SelectorEvents.Read | SelectorEvents.Write)) != 0)
            throw new ArgumentException($"Invalid events: {events}; expected Read, Write or both.", nameof(events));
    }

    private static KeyNotFoundException NotRegistered(object fileObject) =>
        new($"{(FileObjects.TryToFd(fileObject, out var fd, out _) ? FileObjects.Describe(fileObject, fd) : fileObject.GetType().Name)} is not registered.");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private unsafe void WakeIfAlive()
    {
        var lifetime = _lifetime;
        if (lifetime is null) return;
        var added = false;
        try
        {
            lifetime.DangerousAddRef(ref added);
            ulong one = 1;
            // EAGAIN means the counter is already huge: the selector is awake anyway.
            _ = Libc.WriteFd(_wakeFd, (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nothing to wake.
        }
        finally
        {
            if (added) lifetime.DangerousRelease();
        }
    }

    private unsafe void DrainWake()
    {
        ulong value;
        _ = Libc.ReadFd(_wakeFd, (byte*)&value, sizeof(ulong));
    }

    /// <summary>The live view <see cref="Keys"/> hands out: empty once the selector is closed, as Python's <c>get_map()</c> mapping.</summary>
    private sealed class KeyView(Selector owner) : IReadOnlyDictionary<int, SelectorKey>
    {
        private IReadOnlyDictionary<int, SelectorKey> Live => owner._disposed ? ReadOnlyDictionary<int, SelectorKey>.Empty : owner._keys;

        public int Count => Live.Count;

        public IEnumerable<int> Keys => Live.Keys;

        public IEnumerable<SelectorKey> Values => Live.Values;

        public SelectorKey this[int key] => Live[key];

        public bool ContainsKey(int key) => Live.ContainsKey(key);

        public bool TryGetValue(int key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out SelectorKey value) => Live.TryGetValue(key, out value);

        public IEnumerator<KeyValuePair<int, SelectorKey>> GetEnumerator() => Live.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Owns the kernel objects; its reference count keeps them open while a wait uses them.</summary>
    private sealed class Lifetime(Selector owner) : SafeHandle(IntPtr.Zero, ownsHandle: true)
    {
        public override bool IsInvalid => false;

        protected override bool ReleaseHandle()
        {
            owner.ReleaseCore();
            _ = Libc.CloseFd(owner._wakeFd);
            return true;
        }
    }
}
