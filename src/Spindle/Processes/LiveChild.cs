using System.Collections;
using System.Runtime.InteropServices;
using Spindle.Native;

namespace Spindle.Processes;

/// <summary>
/// The parent's side of one spawned child: its pidfd (for signals and exact reaping), its control channel, and
/// a <see cref="Completion"/> that finishes once the child is reaped and its last report read. The pidfd and
/// the channel are released by the completion itself, so a process object that is never closed leaks no fd.
/// </summary>
#pragma warning disable CA1001 // The channel is disposed by Completion (or CloseChannel), never by the owner.
internal sealed class LiveChild
#pragma warning restore CA1001
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _reaped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _booted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ControlChannel _channel;
    private int _pidfd;

    private LiveChild(SpawnedChild spawned, string[] environment, string directory)
    {
        Pid = spawned.Pid;
        _pidfd = spawned.Pidfd;
        _channel = ControlChannel.ForParent(spawned.ChannelFd);
        Environment = environment;
        Directory = directory;
        Completion = CompleteAsync(ReadReportsAsync());
    }

    internal int Pid { get; }

    /// <summary>The environment the child was started with (a warm spare must match the parent's at use).</summary>
    internal string[] Environment { get; }

    /// <summary>The working directory the child was started in.</summary>
    internal string Directory { get; }

    /// <summary>Finishes when the child has been reaped and everything it reported has been read.</summary>
    internal Task Completion { get; }

    /// <summary>
    /// Finishes when the child reports it has booted and waits for its start frame (a spare), or when its reports
    /// end (it died, or was started and finished): either way, no start-up is left to wait for.
    /// </summary>
    internal Task Booted => _booted.Task;

    /// <summary>Exit code once <see cref="Completion"/> has finished: N for exit(N), −N for a death by signal N.</summary>
    internal int? ExitCode { get; private set; }

    /// <summary>What the target threw, if the child reported a failure.</summary>
    internal FailureMessage? Failure { get; private set; }

    /// <summary>Spawns a child (it waits for its <see cref="FrameKind.Start"/> frame) with the current environment and directory.</summary>
    internal static LiveChild Spawn()
    {
        var environment = ChildCommand.Environment(System.Environment.GetEnvironmentVariables());
        var directory = System.Environment.CurrentDirectory;
        var spawned = Spawner.Spawn(ChildCommand.Path, ChildCommand.Argv, environment);
        var child = new LiveChild(spawned, environment, directory);
        Reaper.Watch(spawned.Pid, spawned.Pidfd, child._reaped.SetResult);
        return child;
    }

    /// <summary>Hands the child its identity and target; false if the child is already gone.</summary>
    internal bool TrySendStart(StartMessage message)
    {
        try
        {
            _channel.Send(FrameKind.Start, message.Encode());
            if (message.Descriptors.Length > 0) _channel.SendDescriptors(message.Descriptors);
            return true;
        }
        catch (IOException) { return false; }
        catch (ObjectDisposedException) { return false; }
    }

    /// <summary>Whether the child still runs (exact: asks the kernel, not the reaper thread).</summary>
    internal bool IsRunning
    {
        get
        {
            lock (_gate) return _pidfd >= 0 && !Reaper.HasExited(_pidfd);
        }
    }

    /// <summary>Sends <paramref name="signal"/> through the pidfd; nothing if the child is already reaped (Python ignores it too).</summary>
    internal void Signal(int signal)
    {
        lock (_gate)
        {
            if (_pidfd < 0) return;
            if (Libc.PidfdSendSignal(_pidfd, signal) != 0 && Marshal.GetLastPInvokeError() != Libc.ESRCH)
                throw new IOException($"Sending signal {signal} to process {Pid} failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    /// <summary>
    /// A new descriptor that is readable once the child has exited, owned by the caller: a dup of the pidfd while the
    /// child is unreaped (a pidfd stays readable after the reap, so the dup outlives ours), else an eventfd already set.
    /// </summary>
    internal int OpenSentinel()
    {
        lock (_gate)
        {
            var fd = _pidfd >= 0 ? Libc.FcntlInt(_pidfd, Libc.F_DUPFD_CLOEXEC, 0) : Libc.EventFd(1, Libc.EFD_CLOEXEC);
            if (fd < 0) throw new IOException($"Opening a sentinel for process {Pid} failed: {Libc.Describe(Libc.LastErrno)}.");
            return fd;
        }
    }

    /// <summary>Closes the parent's end of the channel: a child waiting for its start frame exits at once.</summary>
    internal void CloseChannel() => _channel.Dispose();

    private async Task ReadReportsAsync()
    {
        try
        {
            while (await _channel.ReceiveAsync().ConfigureAwait(false) is { } frame)
            {
                if (frame.Kind == FrameKind.Ready) _booted.TrySetResult();
                else if (frame.Kind == FrameKind.Failed) Failure = FailureMessage.Decode(frame.Body);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException or EndOfStreamException)
        {
            // A broken or closed channel ends the reports; the exit status still comes from the reaper.
        }
        finally
        {
            _booted.TrySetResult();
        }
    }

    private async Task CompleteAsync(Task reports)
    {
        var code = await _reaped.Task.ConfigureAwait(false);
        await reports.ConfigureAwait(false);
        lock (_gate)
        {
            Libc.Close(_pidfd);
            _pidfd = -1;
        }
        _channel.Dispose();
        ExitCode = code;
    }

    /// <summary>Whether the current environment and directory are those this child was started with.</summary>
    internal bool MatchesCurrentContext(IDictionary currentEnvironment) =>
        Directory == System.Environment.CurrentDirectory
        && Environment.AsSpan().SequenceEqual(ChildCommand.Environment(currentEnvironment));
}
