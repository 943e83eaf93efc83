namespace Spindle.Serialization;

/// <summary>Spindle's cross-process objects, which cross by reference through <see cref="IShareable{TSelf}"/>.</summary>
internal static class ShareablePlans
{
    public static TypePlan Create(Type type)
    {
        if (IsImportable(type)) return (TypePlan)Activator.CreateInstance(typeof(ShareablePlan<>).MakeGenericType(type))!;
        // A type generated at run time (a DispatchProxy) has no name another process can look up: it travels as its
        // nearest importable base, whose Import rebuilds the generated type there.
        if (type.Assembly.IsDynamic)
        {
            for (var b = type.BaseType; b is not null; b = b.BaseType)
            {
                if (IsImportable(b)) return TypePlans.For(b);
            }
        }
        return new RefusedPlan(type, $"it implements IShareable but not IShareable<{type.Name}>, so the receiving side cannot rebuild it");
    }

    private static bool IsImportable(Type type) => type.GetInterfaces().Any(i =>
        i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IShareable<>) && i.GetGenericArguments()[0] == type);
}

/// <summary>
/// Format: the exported state (length + bytes), then the number of file descriptors that travel beside the payload
/// and for each its index in the descriptors passed beside a start payload (see <see cref="ShareableHandle"/>).
/// </summary>
internal sealed class ShareablePlan<T>() : TypePlan(typeof(T)) where T : IShareable<T>
{
    /// <summary>An unsealed shareable may import as a subtype (a generated proxy implementing an interface): slots check the object it returns.</summary>
    public override bool ImportsSubtypes => !typeof(T).IsSealed;

    public override void Write(Writer writer, object value)
    {
        var handle = ShareableExport.Run((IShareable)value, forChildStart: writer.Descriptors is not null)
            ?? throw new PathException(Type, "its Export() returned null");
        var fds = handle.FileDescriptors;
        if (fds.Count > 0 && writer.Descriptors is null)
            throw new PathException(Type, $"it passes {fds.Count} file descriptor(s), which travel only as a child process's target, arguments or captures (passed with SCM_RIGHTS at start), not inside a value");
        writer.WriteLength(handle.State.Length);
        writer.WriteBytes(handle.State.Span);
        writer.WriteLength(fds.Count);
        foreach (var fd in fds)
        {
            writer.WriteLength(writer.Descriptors!.Count);
            writer.Descriptors.Add(fd);
        }
    }

    public override object Read(ref Reader reader, int slot)
    {
        var state = reader.ReadBytes(reader.ReadCount(1)).ToArray();
        var count = reader.ReadVarUInt();
        var received = reader.State.Descriptors;
        if (count != 0 && (received is null || count > (ulong)received.Count))
            throw reader.Malformed($"a shared {TypeNames.Display(Type)} carries {count} file descriptor(s), which were not received beside this payload");
        var fds = new int[count];
        for (var i = 0; i < fds.Length; i++)
        {
            var index = reader.ReadVarUInt();
            if (index >= (ulong)received!.Count) throw reader.Malformed($"descriptor index {index} is out of range");
            fds[i] = received[(int)index];
        }
        try
        {
            return T.Import(new ShareableHandle(state, fds));
        }
        catch (Exception e) when (e is not SerializationFormatException)
        {
            throw new SerializationFormatException($"Rebuilding the shared {TypeNames.Display(Type)} failed: {e.Message}", e);
        }
    }
}
