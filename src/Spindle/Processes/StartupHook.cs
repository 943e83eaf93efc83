using Spindle.Processes;

/// <summary>
/// The .NET startup hook through which a Spindle child process runs its target instead of the app's <c>Main</c>.
/// The runtime requires this exact shape: a type named <c>StartupHook</c> in no namespace with a static
/// <c>Initialize()</c>; the parent names Spindle.dll in the child's <c>DOTNET_STARTUP_HOOKS</c>. In any process
/// that is not a Spindle child it returns at once. (Python: the <c>spawn</c> start method's
/// <c>multiprocessing.spawn.spawn_main</c> entry point.)
/// </summary>
#pragma warning disable CA1050 // The runtime looks the hook type up by this exact name, outside any namespace.
internal static class StartupHook
#pragma warning restore CA1050
{
    /// <summary>Called by the runtime before <c>Main</c>; runs the child protocol and exits if this is a Spindle child.</summary>
    public static void Initialize() => ChildRuntime.RunIfChild();
}
