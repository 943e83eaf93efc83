namespace Spindle.Serialization;

/// <summary>
/// What an <see cref="IShareable.Export"/> call is for. Python: <c>multiprocessing.context.get_spawning_popen()</c>,
/// which a reducer asks to decide whether secrets (a manager proxy's authkey) may go along: only into a child
/// process's start payload, which travels over the private parent–child channel, never into a value that could be
/// stored or forwarded.
/// </summary>
internal static class ShareableExport
{
    [ThreadStatic] private static bool t_forChildStart;

    /// <summary>Whether the export running on this thread is for a child process's start payload.</summary>
    internal static bool ForChildStart => t_forChildStart;

    internal static ShareableHandle? Run(IShareable value, bool forChildStart)
    {
        var outer = t_forChildStart;
        t_forChildStart = forChildStart;
        try
        {
            return value.Export();
        }
        finally
        {
            t_forChildStart = outer;
        }
    }
}
