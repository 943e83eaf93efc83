using System.Runtime.InteropServices;

namespace Spindle.Native;

/// <summary>The pthread calls that read a thread's own attributes (tests check the stack size a thread was given).</summary>
internal static unsafe partial class Libc
{
    // glibc's pthread_attr_t is 56 bytes on x86-64 and 64 on arm64: room for either.
    private const int PthreadAttrSize = 64;

    [LibraryImport(LibraryName, EntryPoint = "pthread_self")]
    private static partial nint PthreadSelf();

    [LibraryImport(LibraryName, EntryPoint = "pthread_getattr_np")]
    private static partial int PthreadGetAttrNp(nint thread, byte* attr);

    [LibraryImport(LibraryName, EntryPoint = "pthread_attr_getstacksize")]
    private static partial int PthreadAttrGetStackSize(byte* attr, nuint* size);

    [LibraryImport(LibraryName, EntryPoint = "pthread_attr_destroy")]
    private static partial int PthreadAttrDestroy(byte* attr);

    /// <summary>The stack size of the calling thread, as the kernel mapped it.</summary>
    internal static long CurrentThreadStackSize()
    {
        var attr = stackalloc byte[PthreadAttrSize];
        var error = PthreadGetAttrNp(PthreadSelf(), attr);
        if (error != 0) throw new IOException($"pthread_getattr_np failed: {Describe(error)}.");
        try
        {
            nuint size;
            error = PthreadAttrGetStackSize(attr, &size);
            if (error != 0) throw new IOException($"pthread_attr_getstacksize failed: {Describe(error)}.");
            return (long)size;
        }
        finally { _ = PthreadAttrDestroy(attr); }
    }
}
