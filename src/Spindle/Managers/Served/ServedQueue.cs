using Spindle.Threading;

namespace Spindle.Managers;

/// <summary>The methods of a served queue. Python: <c>queue.Queue</c>'s <c>put</c>, <c>get</c>, <c>qsize</c>, <c>empty</c>, <c>full</c>, <c>task_done</c>, <c>join</c>.</summary>
internal enum QueueMethod : byte
{
    /// <summary>[timeout][item: blob] → [put: bool] (false: still full at the timeout).</summary>
    Put = 1,

    /// <summary>[timeout] → [got: bool][item: blob] (false: still empty at the timeout).</summary>
    Get = 2,

    /// <summary>→ [count: i32][max size: i32].</summary>
    State = 3,

    /// <summary>Nothing → nothing.</summary>
    TaskDone = 4,

    /// <summary>[timeout] → [all done: bool].</summary>
    Join = 5,
}

/// <summary>
/// A queue held by the manager. Items stay as the bytes their sender encoded: the server never decodes them, and a
/// getter decodes them as its proxy's item type. Python: <c>queue.Queue</c> behind <c>manager.Queue()</c> and
/// <c>manager.JoinableQueue()</c>.
/// </summary>
internal sealed class ServedQueue(int maxSize) : Served
{
    private readonly ThreadQueue<byte[]> _queue = new(maxSize);

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        switch ((QueueMethod)call.Method)
        {
            case QueueMethod.Put:
            {
                var timeout = args.Timeout();
                var item = args.Blob().ToArray();
                args.End();
                if (_queue.TryPut(item))
                {
                    call.Result.Bool(true);
                    return default;
                }
                if (timeout == TimeSpan.Zero)
                {
                    call.Result.Bool(false);
                    return default;
                }
                return PutAsync(call, item, timeout);
            }
            case QueueMethod.Get:
            {
                var timeout = args.Timeout();
                args.End();
                if (_queue.TryGet(out var item) || timeout == TimeSpan.Zero)
                {
                    WriteItem(call, item);
                    return default;
                }
                return GetAsync(call, timeout);
            }
            case QueueMethod.State:
                args.End();
                call.Result.Int32(_queue.Count);
                call.Result.Int32(_queue.MaxSize);
                return default;
            case QueueMethod.TaskDone:
                args.End();
                _queue.TaskDone();
                return default;
            case QueueMethod.Join:
            {
                var timeout = args.Timeout();
                args.End();
                return JoinAsync(call, timeout);
            }
            default:
                throw UnknownMethod(call, "a queue");
        }
    }

    private static void WriteItem(ServerCall call, byte[]? item)
    {
        call.Result.Bool(item is not null);
        if (item is not null) call.Result.Blob(item);
    }

    private async ValueTask PutAsync(ServerCall call, byte[] item, TimeSpan? timeout)
    {
        try
        {
            await _queue.PutAsync(item, timeout, call.Token).ConfigureAwait(false);
            call.Result.Bool(true);
        }
        catch (QueueFullException)
        {
            call.Result.Bool(false);
        }
    }

    private async ValueTask GetAsync(ServerCall call, TimeSpan? timeout)
    {
        try
        {
            var item = await _queue.GetAsync(timeout, call.Token).ConfigureAwait(false);
            call.OnUndelivered(() => _queue.Requeue(item));
            WriteItem(call, item);
        }
        catch (QueueEmptyException)
        {
            WriteItem(call, null);
        }
    }

    private async ValueTask JoinAsync(ServerCall call, TimeSpan? timeout) =>
        call.Result.Bool(await _queue.JoinAsync(timeout, call.Token).ConfigureAwait(false));
}
