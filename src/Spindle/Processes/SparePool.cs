namespace Spindle.Processes;

/// <summary>
/// Warm spares: children already booted and blocked reading their start frame. A spare is handed out only if
/// the parent's environment and working directory are unchanged since it was spawned (the runtime reads some
/// settings from the environment at start-up, so re-applying them later would not be the same); otherwise all
/// spares are discarded and the caller starts a cold child. Discarding closes the spare's channel: it sees the
/// end of stream and exits.
/// </summary>
internal static class SparePool
{
    private static readonly Lock s_gate = new();
    private static readonly Queue<LiveChild> s_spares = new();
    private static int s_target;
    private static bool s_filling;
    private static TaskCompletionSource s_settled = Settled(); // finishes when no refill is running; guarded by s_gate

    private static TaskCompletionSource Settled()
    {
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        settled.SetResult();
        return settled;
    }

    internal static int Target
    {
        get => s_target;
        set
        {
            List<LiveChild> surplus = [];
            lock (s_gate)
            {
                s_target = value;
                while (s_spares.Count > value) surplus.Add(s_spares.Dequeue());
            }
            foreach (var spare in surplus) spare.CloseChannel();
            Refill();
        }
    }

    /// <summary>The spares waiting now (for tests and diagnostics).</summary>
    internal static List<LiveChild> Spares
    {
        get
        {
            lock (s_gate) return [.. s_spares];
        }
    }

    /// <summary>Pids of the spares waiting now (for tests and diagnostics).</summary>
    internal static List<int> Pids => [.. Spares.Select(s => s.Pid)];

    /// <summary>
    /// Waits until the pool holds <see cref="Target"/> spares that have all booted; false if
    /// <paramref name="timeout"/> passed first or a refill could not spawn them.
    /// </summary>
    internal static async Task<bool> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                Task settled;
                Task[] booting;
                lock (s_gate)
                {
                    settled = s_settled.Task;
                    booting = [.. s_spares.Select(s => s.Booted).Where(b => !b.IsCompleted)];
                    if (settled.IsCompleted && booting.Length == 0) return s_spares.Count >= s_target;
                }
                await Task.WhenAll([settled, .. booting]).WaitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A booted child ready for <paramref name="message"/>, or null (none, or the context changed).</summary>
    internal static LiveChild? TryTake(StartMessage message)
    {
        LiveChild? spare;
        lock (s_gate)
        {
            if (!s_spares.TryDequeue(out spare)) return null;
        }
        if (!spare.MatchesCurrentContext(Environment.GetEnvironmentVariables()))
        {
            spare.CloseChannel();
            List<LiveChild> stale;
            lock (s_gate)
            {
                stale = [.. s_spares];
                s_spares.Clear();
            }
            foreach (var old in stale) old.CloseChannel();
            Refill();
            return null;
        }
        Refill();
        return spare.TrySendStart(message) ? spare : null;
    }

    private static void Refill()
    {
        lock (s_gate)
        {
            if (s_filling || s_spares.Count >= s_target) return;
            s_filling = true;
            s_settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        ThreadPool.UnsafeQueueUserWorkItem(_ => Fill(), null);
    }

    private static void StopFilling() // under s_gate
    {
        s_filling = false;
        s_settled.TrySetResult();
    }

    private static void Fill()
    {
        while (true)
        {
            lock (s_gate)
            {
                if (s_spares.Count >= s_target)
                {
                    StopFilling();
                    return;
                }
            }
            LiveChild spare;
            try
            {
                spare = LiveChild.Spawn();
            }
            catch (IOException)
            {
                lock (s_gate) StopFilling();
                return; // out of processes or fds: cold starts will report the error
            }
            lock (s_gate)
            {
                if (s_spares.Count < s_target)
                {
                    s_spares.Enqueue(spare);
                    continue;
                }
            }
            spare.CloseChannel();
        }
    }
}
