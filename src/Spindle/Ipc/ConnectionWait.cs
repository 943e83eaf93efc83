using System.Net.Sockets;
using Spindle.Processes;
using Spindle.Selectors;

namespace Spindle.Ipc;

/// <summary>The poll(2) behind <see cref="Connection.Wait"/> and its awaitable twin.</summary>
internal static class ConnectionWait
{
    /// <summary>
    /// The waited objects with their descriptors. A connection is leased for the wait, so closing it on another thread
    /// cannot let its number be reused under the poll.
    /// </summary>
    private sealed class Waitables : IDisposable
    {
        private readonly List<SafeFdLease> _leases = [];

        internal Waitables(IEnumerable<object> objects)
        {
            ArgumentNullException.ThrowIfNull(objects);
            try
            {
                foreach (var item in objects)
                {
                    Objects.Add(item ?? throw new ArgumentException("The list holds a null; expected Connections, process sentinels, SpindleProcesses or sockets.", nameof(objects)));
                    Fds.Add(DescriptorOf(item));
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        internal List<object> Objects { get; } = [];

        internal List<int> Fds { get; } = [];

        public void Dispose()
        {
            foreach (var lease in _leases) lease.Dispose();
            _leases.Clear();
        }

        private int DescriptorOf(object objects)
        {
            // Named for the caller's parameter, which the exceptions name.
            switch (objects)
            {
                case Connection connection:
                    var lease = connection.Lease("Cannot wait on a closed Connection (Python: OSError: handle is closed).");
                    _leases.Add(lease);
                    return lease.Fd;
                case SpindleProcess process:
                    return process.Sentinel;
                case int or Socket or System.Runtime.InteropServices.SafeHandle or IHasFileDescriptor:
                    return FileObjects.ToFd(objects);
                default:
                    throw new ArgumentException(
                        $"Cannot wait on a {objects.GetType()}: expected a Connection, a process sentinel (an int descriptor), a SpindleProcess, a Socket or an IHasFileDescriptor.",
                        nameof(objects));
            }
        }

        /// <summary>The objects whose descriptor is in <paramref name="ready"/>, in the caller's order.</summary>
        internal List<object> Pick(IReadOnlyList<int> ready)
        {
            var set = new HashSet<int>(ready);
            var picked = new List<object>();
            for (var i = 0; i < Objects.Count; i++)
                if (set.Contains(Fds[i])) picked.Add(Objects[i]);
            return picked;
        }
    }

    internal static IReadOnlyList<object> Wait(IEnumerable<object> objects, TimeSpan? timeout)
    {
        var wait = Deadline.Validate(timeout);
        using var waitables = new Waitables(objects);
        return waitables.Pick(Multiplex.Select(waitables.Fds, [], [], wait).Read);
    }

    internal static Task<IReadOnlyList<object>> WaitAsync(IEnumerable<object> objects, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var wait = Deadline.Validate(timeout);
        // Misuse (a closed connection, an unstarted process) is reported at the call, not through the task.
        var waitables = new Waitables(objects);
        return Task.Run(() =>
        {
            using (waitables)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var cancel = new CancellationFd(cancellationToken);
                var ready = Multiplex.Select([.. waitables.Fds, cancel.Fd], [], [], wait).Read;
                if (ready.Contains(cancel.Fd)) cancellationToken.ThrowIfCancellationRequested();
                return (IReadOnlyList<object>)waitables.Pick(ready);
            }
        }, CancellationToken.None);
    }
}
