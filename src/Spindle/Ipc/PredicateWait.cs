
namespace Spindle.Ipc;

/// <summary>Python's <c>Condition.wait_for</c> loop over any <see cref="ICondition"/>, honouring one overall timeout.</summary>
internal static class PredicateWait
{
    public static bool WaitFor(ICondition condition, Func<bool> predicate, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.Start(timeout);
        bool result = predicate();
        while (!result)
        {
            if (deadline.HasExpired) return false;
            condition.Wait(deadline.Remaining);
            result = predicate();
        }
        return result;
    }

    public static async ValueTask<bool> WaitForAsync(ICondition condition, Func<bool> predicate, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.Start(timeout);
        bool result = predicate();
        while (!result)
        {
            if (deadline.HasExpired) return false;
            await condition.WaitAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false);
            result = predicate();
        }
        return result;
    }
}
