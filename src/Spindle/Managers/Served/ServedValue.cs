namespace Spindle.Managers;

/// <summary>The methods of a served value. Python: <c>ValueProxy</c>'s <c>get</c>, <c>set</c>.</summary>
internal enum ValueMethod : byte
{
    /// <summary>→ [value].</summary>
    Get = 1,

    /// <summary>[value] → nothing.</summary>
    Set = 2,
}

/// <summary>One value held by the manager, as its sender encoded it. Python: <c>managers.Value</c>.</summary>
internal sealed class ServedValue(byte[] initial) : Served
{
    private byte[] _value = initial;

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        switch ((ValueMethod)call.Method)
        {
            case ValueMethod.Get:
                call.Result.Blob(Volatile.Read(ref _value));
                break;
            case ValueMethod.Set:
                Volatile.Write(ref _value, args.Blob().ToArray());
                break;
            default:
                throw UnknownMethod(call, "a value");
        }
        args.End();
        return default;
    }
}
