namespace Spindle.Selectors;

/// <summary>poll(2) event bits, for <see cref="PollObject"/>. Python: <c>select.POLLIN</c>, <c>POLLPRI</c>, ….</summary>
[Flags]
public enum PollMask : short
{
    /// <summary>No event.</summary>
    None = 0,

    /// <summary>Data to read. Python: <c>select.POLLIN</c>.</summary>
    In = 0x001,

    /// <summary>Urgent data to read. Python: <c>select.POLLPRI</c>.</summary>
    Pri = 0x002,

    /// <summary>Ready for output. Python: <c>select.POLLOUT</c>.</summary>
    Out = 0x004,

    /// <summary>Error condition (reported, never asked for). Python: <c>select.POLLERR</c>.</summary>
    Err = 0x008,

    /// <summary>Hung up (reported, never asked for). Python: <c>select.POLLHUP</c>.</summary>
    Hup = 0x010,

    /// <summary>Invalid request: the descriptor is not open (reported). Python: <c>select.POLLNVAL</c>.</summary>
    Nval = 0x020,

    /// <summary>The peer closed its end or shut down writing. Python: <c>select.POLLRDHUP</c>.</summary>
    RdHup = 0x2000,
}
