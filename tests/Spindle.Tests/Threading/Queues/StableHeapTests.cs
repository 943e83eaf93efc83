using Spindle.Threading.Queues;

namespace Spindle.Tests.Threading.Queues;

public class StableHeapTests : QueueTestBase
{
    private static List<(int Key, int Id)> PopAll(StableHeap<(int Key, int Id)> heap)
    {
        var items = new List<(int Key, int Id)>();
        while (heap.Count > 0) items.Add(heap.Pop());
        return items;
    }

    [Fact]
    public void Pops_in_key_order_and_insertion_order_for_equal_keys()
    {
        var random = new Random(1234);
        var heap = new StableHeap<(int Key, int Id)>(Comparer<(int Key, int Id)>.Create((x, y) => x.Key.CompareTo(y.Key)));
        var reference = new List<(int Key, int Id)>();
        var popped = new List<(int Key, int Id)>();
        var expected = new List<(int Key, int Id)>();
        for (var id = 0; id < 5000; id++)
        {
            var item = (random.Next(20), id);
            heap.Push(item);
            reference.Add(item);
            if (random.Next(3) == 0)
            {
                var lowest = reference.OrderBy(i => i.Key).ThenBy(i => i.Id).First();
                reference.Remove(lowest);
                expected.Add(lowest);
                popped.Add(heap.Pop());
            }
        }
        expected.AddRange(reference.OrderBy(i => i.Key).ThenBy(i => i.Id));
        popped.AddRange(PopAll(heap));
        Assert.Equal(expected, popped);
    }

    [Fact]
    public void A_comparer_that_throws_during_a_push_leaves_the_heap_unchanged()
    {
        // -1 climbs to the root, so each failure point is a deeper partial sift.
        var failures = AtEveryComparison(heap => heap.Push((-1, -1)), pushed: [(-1, -1)]);
        Assert.True(failures >= 3, $"only {failures} failure points exercised");
    }

    [Fact]
    public void A_comparer_that_throws_during_a_pop_leaves_the_heap_unchanged()
    {
        var failures = AtEveryComparison(heap => heap.Pop(), pushed: []);
        Assert.True(failures >= 6, $"only {failures} failure points exercised");
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on a 100-item heap with the comparer failing at the 1st, 2nd, … comparison
    /// until the operation needs fewer comparisons; after each failure the heap must hold exactly the original items.
    /// </summary>
    private static int AtEveryComparison(Action<StableHeap<(int Key, int Id)>> operation, List<(int Key, int Id)> pushed)
    {
        var items = Enumerable.Range(0, 100).Select(i => (Key: (i * 37) % 101, Id: i)).ToList();
        for (var failAt = 1; ; failAt++)
        {
            var comparer = new FailingComparer();
            var heap = new StableHeap<(int Key, int Id)>(comparer);
            items.ForEach(heap.Push);

            comparer.FailAfter = failAt;
            try
            {
                operation(heap);
            }
            catch (InvalidOperationException)
            {
                comparer.FailAfter = -1;
                Assert.Equal(100, heap.Count);
                Assert.Equal(items.OrderBy(i => i.Key).ThenBy(i => i.Id).ToList(), PopAll(heap));
                continue;
            }
            // Needed fewer comparisons than failAt: the operation simply worked.
            comparer.FailAfter = -1;
            var expected = items.Concat(pushed).OrderBy(i => i.Key).ThenBy(i => i.Id).Skip(pushed.Count == 0 ? 1 : 0).ToList();
            Assert.Equal(expected, PopAll(heap));
            return failAt - 1;
        }
    }

    [Fact]
    public void Clear_empties_the_heap()
    {
        var heap = new StableHeap<(int Key, int Id)>(Comparer<(int Key, int Id)>.Default);
        heap.Push((1, 1));
        heap.Push((0, 2));
        heap.Clear();
        Assert.Equal(0, heap.Count);
        heap.Push((5, 3));
        Assert.Equal((5, 3), heap.Pop());
    }

    /// <summary>Compares by key, and throws on the n-th comparison once armed.</summary>
    private sealed class FailingComparer : IComparer<(int Key, int Id)>
    {
        public int FailAfter { get; set; } = -1;

        public int Compare((int Key, int Id) x, (int Key, int Id) y)
        {
            if (FailAfter > 0 && --FailAfter == 0) throw new InvalidOperationException("comparison failed");
            return x.Key.CompareTo(y.Key);
        }
    }
}
