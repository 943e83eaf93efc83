using Spindle.Serialization;

namespace Spindle.Processes;

/// <summary>The seam between process start-up and the serializer: a target delegate with its arguments, as bytes.</summary>
internal static class TargetPayload
{
    /// <summary>Encodes the call; throws <see cref="NotTransferableException"/> (before anything is started) if something cannot cross.</summary>
    internal static (byte[] Payload, int[] Descriptors) Encode(Delegate target, object?[] args)
    {
        var descriptors = new List<int>();
        var payload = CallCodec.Encode(target, args, descriptors);
        if (descriptors.Count > Native.Libc.MaxFdsPerMessage)
            throw new NotTransferableException($"The target, its arguments and captures pass {descriptors.Count} file descriptors; at most {Native.Libc.MaxFdsPerMessage} can cross to a child at start.");
        return (payload, [.. descriptors]);
    }

    /// <summary>Decodes a call into an action that runs it (the target's exception propagates unwrapped).</summary>
    internal static Action Decode(byte[] payload, IReadOnlyList<int> descriptors)
    {
        var call = CallCodec.Decode(payload, descriptors);
        return () => call.Invoke();
    }
}
