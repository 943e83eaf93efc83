namespace Spindle.Serialization;

/// <summary>Spindle's cross-process objects, which cross by reference through <see cref="IShareable{TSelf}"/>.</summary>
internal static class ShareablePlans
{
    public static TypePlan Create(Type type)
    {
        var importable = type.GetInterfaces().Any(i =>
            i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IShareable<>) && i.GetGenericArguments()[0] == type);
        if (!importable)
            return new RefusedPlan(type, $"it implements IShareable but not IShareable<{type.Name}>, so the receiving side cannot rebuild it");
        return (TypePlan)Activator.CreateInstance(typeof(ShareablePlan<>).MakeGenericType(type))!;
    }
}

/// <summary>
/// Format: the exported state (length + bytes), then the number of file descriptors that travel beside the payload
/// (always 0 until the process layer can pass descriptors; see <see cref="ShareableHandle"/>).
/// </summary>
internal sealed class ShareablePlan<T>() : TypePlan(typeof(T)) where T : IShareable<T>
{
    public override void Write(Writer writer, object value)
    {
        var handle = ((IShareable)value).Export()
            ?? throw new PathException(Type, "its Export() returned null");
        if (handle.FileDescriptors.Count > 0)
            throw new PathException(Type, $"it passes {handle.FileDescriptors.Count} file descriptor(s), and descriptor passing (SCM_RIGHTS) is not available yet");
        writer.WriteLength(handle.State.Length);
        writer.WriteBytes(handle.State.Span);
        writer.WriteLength(0);
    }

    public override object Read(ref Reader reader, int slot)
    {
        var state = reader.ReadBytes(reader.ReadCount(1)).ToArray();
        var descriptors = reader.ReadVarUInt();
        if (descriptors != 0)
            throw reader.Malformed($"a shared {TypeNames.Display(Type)} carries {descriptors} file descriptor(s), which this process cannot receive yet");
        try
        {
            return T.Import(new ShareableHandle(state));
        }
        catch (Exception e) when (e is not SerializationFormatException)
        {
            throw new SerializationFormatException($"Rebuilding the shared {TypeNames.Display(Type)} failed: {e.Message}", e);
        }
    }
}
