namespace Spindle.Serialization;

/// <summary>
/// The target of a delegate (a lambda's closure) encoded alone, for a receiver that already knows the delegate's type,
/// method and target type — a process pool sends those once per worker and then only each call's captured variables.
/// The same rules as <see cref="CallCodec"/> apply: only the fields the delegate's code reads are sent, and what cannot
/// cross is refused naming the captured variable.
/// </summary>
internal static class DelegateTargets
{
    /// <summary>Encodes <paramref name="function"/>'s target against <paramref name="targetPlan"/>, the plan of its runtime type.</summary>
    /// <exception cref="NotTransferableException">A captured variable cannot cross.</exception>
    public static byte[] Encode(Delegate function, TypePlan targetPlan) =>
        Payloads.Encode(PayloadHeader.Value, w =>
        {
            w.BeginDelegate(function);
            try
            {
                w.WriteSlot(function.Target, targetPlan);
            }
            catch (PathException e)
            {
                throw e.ToPublic("");
            }
            w.EndDelegate();
        }, Payloads.ToArray);

    /// <summary>Decodes a target written by <see cref="Encode"/> against the same plan.</summary>
    /// <exception cref="SerializationFormatException">The payload is malformed or does not hold a <paramref name="targetPlan"/> value.</exception>
    public static object Decode(ReadOnlySpan<byte> payload, TypePlan targetPlan) =>
        Payloads.Decode(payload, PayloadHeader.Value, (ref Reader r) => r.ReadSlot(targetPlan))
        ?? throw new SerializationFormatException("Malformed payload: a delegate target is null.");
}
