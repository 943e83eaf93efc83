using System.Runtime.CompilerServices;

namespace Spindle.Cli.Lessons;

/// <summary>
/// One lesson of the seeds, run for real: its kebab-case name, the seed section it comes from, a one-line title of
/// what it shows, the code that runs it, and the source file that declares it.
/// </summary>
internal sealed record Lesson(string Name, string Seed, string Title, Action<LessonContext> Run, string SourcePath)
{
    /// <summary>Declares a lesson; the source path is the caller's file, so <c>spindle demo</c> can point at the code.</summary>
    public static Lesson Create(string name, string seed, string title, Action<LessonContext> run, [CallerFilePath] string sourcePath = "") =>
        new(name, seed, title, run, sourcePath);

    /// <summary>
    /// The source path relative to the repository (<c>src/…</c>), whether the build recorded an absolute path or a
    /// deterministic one (<c>/_/src/…</c>).
    /// </summary>
    public string RelativeSourcePath => Relative(SourcePath);

    internal static string Relative(string path)
    {
        var normalized = path.Replace('\\', '/');
        if (normalized.StartsWith("src/", StringComparison.Ordinal)) return normalized;
        var at = normalized.IndexOf("/src/", StringComparison.Ordinal);
        return at < 0 ? normalized : normalized[(at + 1)..];
    }
}
