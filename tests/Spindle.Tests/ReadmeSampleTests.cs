using System.Collections.Concurrent;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests;

/// <summary>The README's "A taste" sample, run as written (output collected instead of printed).</summary>
public sealed class ReadmeSampleTests : LeakCheckedTest
{
    [Fact]
    public void The_readme_sample_runs_and_produces_every_result()
    {
        var lines = new ConcurrentQueue<string>();
        void WriteLine(string line) => lines.Enqueue(line);

        // --- README.md, "A taste" ---
        using (var pool = new ThreadPoolExecutor(maxWorkers: 5))
        {
            for (var i = 0; i < 10; i++)
            {
                var n = i;
                pool.Submit(() => n * n)
                    .AddDoneCallback(f => WriteLine($"result: {f.Result()}"));
            }
        } // Dispose = shutdown(wait=True)

        var q = new ThreadQueue<string>(maxSize: 10);
        var producer = SpindleThread.Create((ThreadQueue<string> queue) =>
        {
            for (var i = 0; i < 3; i++) queue.Put($"item {i}");
        }, q, name: "producer");
        producer.Start();
        for (var i = 0; i < 3; i++) WriteLine(q.Get(TimeSpan.FromSeconds(5)));
        producer.Join();
        // --- end of the sample ---

        var all = lines.ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(n => $"result: {n * n}").Order(), all.Where(l => l.StartsWith("result", StringComparison.Ordinal)).Order());
        Assert.Equal(["item 0", "item 1", "item 2"], all.Where(l => !l.StartsWith("result", StringComparison.Ordinal)));
    }
}
