using Spindle.Serialization;

namespace Spindle.Processes;

/// <summary>The seam between process start-up and the serializer: a target delegate with its arguments, as bytes.</summary>
internal static class TargetPayload
{
    /// <summary>Encodes the call; throws <see cref="NotTransferableException"/> (before anything is started) if something cannot cross.</summary>
    internal static byte[] Encode(Delegate target, object?[] args) => CallCodec.Encode(target, args);

    /// <summary>Decodes a call into an action that runs it (the target's exception propagates unwrapped).</summary>
    internal static Action Decode(byte[] payload)
    {
        var call = CallCodec.Decode(payload);
        return () => call.Invoke();
    }
}
