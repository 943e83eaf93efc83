namespace Spindle.Selectors;

/// <summary>epoll(7) event bits and flags, for <see cref="EpollObject"/>. Python: <c>select.EPOLLIN</c>, <c>EPOLLET</c>, ….</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1028:Enum Storage should be Int32", Justification = "The kernel's type: EPOLLET is bit 31.")]
public enum EpollMask : uint
{
    /// <summary>No event.</summary>
    None = 0,

    /// <summary>Data to read. Python: <c>select.EPOLLIN</c>.</summary>
    In = 0x001,

    /// <summary>Urgent data to read. Python: <c>select.EPOLLPRI</c>.</summary>
    Pri = 0x002,

    /// <summary>Ready for output. Python: <c>select.EPOLLOUT</c>.</summary>
    Out = 0x004,

    /// <summary>Error condition (always reported). Python: <c>select.EPOLLERR</c>.</summary>
    Err = 0x008,

    /// <summary>Hung up (always reported). Python: <c>select.EPOLLHUP</c>.</summary>
    Hup = 0x010,

    /// <summary>The peer closed its end or shut down writing. Python: <c>select.EPOLLRDHUP</c>.</summary>
    RdHup = 0x2000,

    /// <summary>Wake only one of several epoll instances waiting on the descriptor. Python: <c>select.EPOLLEXCLUSIVE</c>.</summary>
    Exclusive = 1u << 28,

    /// <summary>Report once, then disarm until <see cref="EpollObject.Modify"/>. Python: <c>select.EPOLLONESHOT</c>.</summary>
    OneShot = 1u << 30,

    /// <summary>Edge-triggered. Python: <c>select.EPOLLET</c>.</summary>
    EdgeTriggered = 1u << 31,
}
