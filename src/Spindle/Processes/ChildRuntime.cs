using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Spindle.Native;
using Spindle.Serialization;

namespace Spindle.Processes;

/// <summary>
/// The child's side: run from <see cref="StartupHook"/> (or <see cref="Processes.RunIfChild"/>) before the app's
/// <c>Main</c>. It reads its start frame, arms the parent-death signal if it is a daemon, runs the target, reports
/// how it ended, and exits — so <c>Main</c> never runs in a child.
/// </summary>
internal static class ChildRuntime
{
    /// <summary>Whether this process is a child that has been bootstrapped (its Spindle variables consumed).</summary>
    internal static bool Bootstrapped { get; private set; }

    /// <summary>Whether <see cref="Processes.RunIfChild"/> or the startup hook has run in this process.</summary>
    internal static bool HookRan { get; private set; }

    /// <summary>Runs the child protocol and exits if this process is a Spindle child; returns otherwise.</summary>
    internal static void RunIfChild()
    {
        HookRan = true;
        var fdText = Environment.GetEnvironmentVariable(ChildCommand.FdVariable);
        if (fdText is null || Bootstrapped) return;
        Bootstrapped = true;
        // Consumed once: grandchildren get their own values, and an unrelated program this child starts sees none.
        Environment.SetEnvironmentVariable(ChildCommand.HooksVariable, Environment.GetEnvironmentVariable(ChildCommand.PriorHooksVariable));
        Environment.SetEnvironmentVariable(ChildCommand.PriorHooksVariable, null);
        Environment.SetEnvironmentVariable(ChildCommand.FdVariable, null);
        var fd = ParseFd(fdText);
        Libc.Fcntl(fd, Libc.F_SETFD, Libc.FD_CLOEXEC);
        Environment.Exit(Serve(ControlChannel.ForChild(fd)));
    }

    /// <summary>
    /// The channel's fd, parsed by hand: <c>int.Parse</c> with a culture would initialize globalization (loading ICU,
    /// milliseconds) in a child that may never need it.
    /// </summary>
    private static int ParseFd(string text)
    {
        var fd = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9' || fd > 1_000_000) throw new InvalidOperationException($"{ChildCommand.FdVariable} is not a file descriptor number: '{text}'.");
            fd = (fd * 10) + (c - '0');
        }
        return text.Length > 0 ? fd : throw new InvalidOperationException($"{ChildCommand.FdVariable} is empty.");
    }

    private static int Serve(ControlChannel channel)
    {
        StartMessage start;
        try
        {
            if (!channel.HasData) WarmUp(channel);
            // A warm spare waits here; the parent closing the channel (or dying) ends it quietly.
            if (channel.Receive() is not { Kind: FrameKind.Start } frame) return 0;
            start = StartMessage.Decode(frame.Body);
            if (start.Descriptors.Length > 0) channel.ReceiveDescriptors(start.Descriptors);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
        {
            ReportBadStart(e);
            return 1;
        }
        if (start.Daemon)
        {
            // Armed first, then checked: a parent that died before prctl would never deliver the signal.
            Libc.Prctl(Libc.PR_SET_PDEATHSIG, Libc.SIGKILL, 0, 0, 0);
            if (Libc.GetPpid() != start.ParentPid) return 1;
        }
        ProcessIdentity.BecomeChild(start);
        try
        {
            TargetPayload.Decode(start.Target, start.Descriptors)();
            channel.Send(FrameKind.Completed, []);
            return 0;
        }
        catch (Exception e)
        {
            ReportFailure(channel, start, e);
            return 1;
        }
    }

    // The error paths live in methods of their own: compiling Serve would otherwise load System.Console (and its
    // formatting) into every child, which costs a start that succeeds about a millisecond.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReportBadStart(Exception e) =>
        Console.Error.WriteLine($"Spindle child {Environment.ProcessId}: bad start frame: {e.Message}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReportFailure(ControlChannel channel, StartMessage start, Exception e)
    {
        var error = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
        // As Python's BaseProcess._bootstrap: the traceback goes to the child's stderr.
        Console.Error.WriteLine($"Process {start.Name}:");
        Console.Error.WriteLine(error.ToString());
        TrySend(channel, FrameKind.Failed, FailureMessage.From(error).Encode());
    }

    /// <summary>
    /// Runs the code paths of a start once while nothing is waiting (a warm spare, or a slow parent), so that the
    /// real start does not pay for JIT compilation and type loading: decoding alone costs tens of ms when cold.
    /// </summary>
    private static void WarmUp(ControlChannel channel)
    {
        // A round trip of a closure with a capture compiles the decoding a real target takes (type definitions, an
        // object plan, a delegate bound to its closure), so that a spare's start pays none of it.
        var captured = channel.HasData;
        Action sample = () => GC.KeepAlive(captured);
        var start = new StartMessage("warm-up", false, 0, "", [], TargetPayload.Encode(sample, []).Payload, []);
        TargetPayload.Decode(StartMessage.Decode(start.Encode()).Target, [])();
        // Most targets live in the app's own assembly: look a type up by name there now, which builds the runtime's
        // name table for that module (milliseconds in a large assembly), and check its build as a payload would.
        if (Assembly.GetEntryAssembly() is { EntryPoint.DeclaringType: { } main } entry)
        {
            TypeResolver.ResolveAssembly(MethodRefs.Mvid(entry.ManifestModule), Encoding.UTF8.GetBytes(entry.FullName!));
            TypeResolver.Resolve(entry, Encoding.UTF8.GetBytes(main.FullName!));
        }
        TrySend(channel, FrameKind.Ready, []);
    }

    private static void TrySend(ControlChannel channel, FrameKind kind, byte[] body)
    {
        try { channel.Send(kind, body); }
        catch (IOException) { /* the parent is gone: nobody to tell */ }
    }
}
