namespace Spindle.Remote;

/// <summary>
/// A task on its way to a worker: its id (a future completes once, whatever duplicates arrive), where its result goes,
/// a name for logs and errors, its run-time limit, and the encoded call (<see cref="Serialization.CallCodec"/>).
/// Everything a worker acts on is inside the signed body — never in the transport's own headers, which anyone on the
/// broker can rewrite.
/// </summary>
internal sealed record TaskMessage(Guid Id, string ReplyTo, string Name, TimeSpan? Timeout, byte[] Call)
{
    public byte[] Seal(AuthKey key) => Envelope.Seal(key, MessageKind.Task, w =>
    {
        w.Write(Id);
        w.Write(ReplyTo);
        w.Write(Name);
        w.Write(Timeout?.Ticks ?? -1);
        w.WriteBytes(Call);
    });

    /// <exception cref="RejectedMessageException">Unsigned, wrongly signed or malformed.</exception>
    public static TaskMessage Open(AuthKey key, byte[] message) => Envelope.Open(key, message, MessageKind.Task, r =>
    {
        var id = r.ReadGuid();
        var replyTo = r.ReadString();
        var name = r.ReadString();
        var ticks = r.ReadInt64();
        var call = r.ReadBytes();
        if (ticks < -1) throw new RejectedMessageException($"The task's timeout is {ticks} ticks.");
        return new TaskMessage(id, replyTo, name, ticks < 0 ? null : TimeSpan.FromTicks(ticks), call);
    });
}

/// <summary>
/// A task's outcome (<see cref="TaskOutcome"/>) on its way back: which task, which worker ran it, and whether the
/// delivery it ran from was a redelivery (its first worker was lost).
/// </summary>
internal sealed record ResultMessage(Guid Id, string Worker, bool Redelivered, byte[] Outcome)
{
    public byte[] Seal(AuthKey key) => Envelope.Seal(key, MessageKind.Result, w =>
    {
        w.Write(Id);
        w.Write(Worker);
        w.Write(Redelivered);
        w.WriteBytes(Outcome);
    });

    /// <exception cref="RejectedMessageException">Unsigned, wrongly signed or malformed.</exception>
    public static ResultMessage Open(AuthKey key, byte[] message) => Envelope.Open(key, message, MessageKind.Result, r =>
        new ResultMessage(r.ReadGuid(), r.ReadString(), r.ReadBoolean(), r.ReadBytes()));
}

/// <summary>
/// Tasks whose futures were cancelled after they were sent: a worker that has not started one skips it (Celery's
/// <c>revoke</c>). One that already runs it finishes it, and the result is dropped.
/// </summary>
internal sealed record RevokeMessage(IReadOnlyList<Guid> Ids)
{
    /// <summary>Most ids in one message.</summary>
    public const int MaxIds = 4096;

    public byte[] Seal(AuthKey key) => Envelope.Seal(key, MessageKind.Revoke, w =>
    {
        w.Write(Ids.Count);
        foreach (var id in Ids) w.Write(id);
    });

    /// <exception cref="RejectedMessageException">Unsigned, wrongly signed or malformed.</exception>
    public static RevokeMessage Open(AuthKey key, byte[] message) => Envelope.Open(key, message, MessageKind.Revoke, r =>
    {
        var count = r.ReadInt32();
        if (count is < 0 or > MaxIds) throw new RejectedMessageException($"A revoke message announces {count} ids.");
        var ids = new Guid[count];
        for (var i = 0; i < count; i++) ids[i] = r.ReadGuid();
        return new RevokeMessage(ids);
    });
}
