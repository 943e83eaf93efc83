using System.Runtime.InteropServices;

namespace Spindle.Native;

/// <summary>
/// The libc entry points Spindle needs. Every P/Invoke of the library lives in this folder, so the surface that
/// touches the OS directly stays small and reviewable.
/// </summary>
internal static partial class Libc
{
    /// <summary>
    /// glibc's soname. Not "libc": the runtime would first try libc.so, which on Debian is a linker script, then
    /// liblibc.so, in every process (children included) before it finds the library.
    /// </summary>
    internal const string LibraryName = "libc.so.6";

    /// <summary>
    /// The kernel thread id of the calling thread (Linux <c>gettid(2)</c>, what Python's <c>threading.get_native_id()</c> returns).
    /// glibc 2.30+ exports <c>gettid</c>; it is a plain syscall wrapper, so no errno handling is needed.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "gettid")]
    internal static partial int GetTid();
}
