namespace Spindle.Cli.Lessons;

/// <summary>Every lesson, in tour order: one entry per area file (<c>…Lessons.cs</c>).</summary>
internal static class LessonCatalogue
{
    /// <summary>All lessons, in the order <c>spindle tour</c> runs them.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        .. ThreadLessons.All,
        .. SyncLessons.All,
        .. QueueLessons.All,
        .. FutureLessons.All,
        .. ProcessLessons.All,
        .. PoolLessons.All,
        .. IpcLessons.All,
        .. ManagerLessons.All,
        .. IoLessons.All,
        .. CoroutineLessons.All,
    ];

    /// <summary>The lesson called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static Lesson? Find(string name) =>
        All.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Names close to <paramref name="name"/>: containing it, or a few edits away; the closest first.</summary>
    public static IReadOnlyList<string> Suggest(string name, int max = 5)
    {
        var query = name.ToLowerInvariant();
        return [.. All
            .Select(l => (l.Name, Distance: l.Name.Contains(query, StringComparison.Ordinal) ? 0 : EditDistance(query, l.Name)))
            .Where(c => c.Distance <= Math.Max(2, query.Length / 3))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Name)];
    }

    /// <summary>Levenshtein distance, two rows.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
