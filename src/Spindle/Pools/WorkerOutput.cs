using System.Diagnostics;
using Spindle.Native;
using Spindle.Serialization;

namespace Spindle.Pools;

/// <summary>
/// Where a worker puts its results: each one into the ledger's area (shared with the pool, so it survives the worker)
/// before the next task starts, and from there to the pool in one frame per batch — when the worker has run everything
/// it had received, before a task the pool did not predict to be short, or when the area is full. A result too large
/// for the area is sent on its own at once, after the ones before it.
/// </summary>
internal sealed class WorkerOutput(int fd, WorkerLedger ledger)
{
    private readonly ByteBuffer _scratch = new(4096);
    private long _taskStart;
    private int _reserved = -1; // area offset of a raw result being computed in place, or −1 when it is in _scratch

    /// <summary>Starts task <paramref name="seq"/>: sends the pending results first unless it is predicted short.</summary>
    public void Start(long seq, bool flushFirst)
    {
        if (flushFirst) Flush();
        _taskStart = Stopwatch.GetTimestamp();
        ledger.StartedAt = _taskStart;
        ledger.RunningSeq = seq;
    }

    /// <summary>Records a call's or a chunk's result, encoded; a result that cannot cross becomes the task's error.</summary>
    public void Value<T>(long seq, T value)
    {
        _scratch.Consume(_scratch.Length);
        _scratch.GetSpan(Wire.ResultHeader);
        _scratch.Advance(Wire.ResultHeader);
        try
        {
            ValueCodec.Encode(_scratch, value, "the task's result");
        }
        catch (NotTransferableException e)
        {
            Error(seq, e);
            return;
        }
        CommitScratch(Wire.Result, seq);
    }

    /// <summary>Records a task's exception.</summary>
    public void Error(long seq, Exception error)
    {
        _scratch.Consume(_scratch.Length);
        _scratch.GetSpan(Wire.ResultHeader);
        _scratch.Advance(Wire.ResultHeader);
        RemoteErrors.Write(_scratch, error);
        CommitScratch(Wire.Error, seq);
    }

    /// <summary>Space for a raw result of <paramref name="bytes"/>, computed in place (in the area when it fits).</summary>
    public Span<byte> ReserveRaw(int bytes)
    {
        var record = Wire.ResultHeader + bytes;
        var area = ledger.Area;
        if (record > area.Length - ledger.PendingBytes && record <= area.Length) Flush();
        if (record <= area.Length - ledger.PendingBytes)
        {
            _reserved = ledger.PendingBytes;
            return area.Slice(_reserved + Wire.ResultHeader, bytes);
        }
        _reserved = -1;
        _scratch.Consume(_scratch.Length);
        var span = _scratch.GetSpan(record).Slice(Wire.ResultHeader, bytes);
        return span;
    }

    /// <summary>Records the raw result reserved by <see cref="ReserveRaw"/>.</summary>
    public void CommitRaw(long seq, int bytes)
    {
        if (_reserved >= 0)
        {
            Wire.WriteResultHeader(ledger.Area[_reserved..], Wire.Result, seq, Micros(), bytes);
            ledger.PendingBytes = _reserved + Wire.ResultHeader + bytes;
            return;
        }
        _scratch.Advance(Wire.ResultHeader + bytes);
        CommitScratch(Wire.Result, seq);
    }

    /// <summary>Reports a failed initializer on its own frame (the worker then exits).</summary>
    public void InitFailed(Exception error)
    {
        _scratch.Consume(_scratch.Length);
        _scratch.Write(Wire.InitFailed);
        var lengthMark = _scratch.Mark;
        _scratch.Write(0);
        RemoteErrors.Write(_scratch, error);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(_scratch.At(lengthMark, 4), _scratch.Mark - lengthMark - 4);
        Flush();
        SendFrame(_scratch.Unread);
    }

    /// <summary>Sends the results waiting in the area, as one frame.</summary>
    public void Flush()
    {
        var pending = ledger.PendingBytes;
        if (pending == 0) return;
        SendFrame(ledger.Area[..pending]);
        ledger.PendingBytes = 0;
    }

    private uint Micros() => (uint)Math.Min(uint.MaxValue, Stopwatch.GetElapsedTime(_taskStart).Ticks / TimeSpan.TicksPerMicrosecond);

    // The record in _scratch (header space first) goes to the area, or straight out when the area cannot hold it.
    private void CommitScratch(byte kind, long seq)
    {
        var record = _scratch.Unread;
        Wire.WriteResultHeader(_scratch.At(0, Wire.ResultHeader), kind, seq, Micros(), record.Length - Wire.ResultHeader);
        var area = ledger.Area;
        if (record.Length > area.Length - ledger.PendingBytes) Flush();
        if (record.Length <= area.Length)
        {
            var pending = ledger.PendingBytes;
            record.CopyTo(area[pending..]);
            ledger.PendingBytes = pending + record.Length;
            return;
        }
        SendFrame(record);
    }

    private unsafe void SendFrame(ReadOnlySpan<byte> body)
    {
        var header = body.Length;
        fixed (byte* data = body)
        {
            var iov = stackalloc IoVec[2];
            long headerLeft = ByteBuffer.FrameHeader, bodyLeft = body.Length;
            while (headerLeft + bodyLeft > 0)
            {
                var count = 0;
                if (headerLeft > 0) iov[count++] = new IoVec { Base = (byte*)&header + (ByteBuffer.FrameHeader - headerLeft), Length = (nuint)headerLeft };
                if (bodyLeft > 0) iov[count++] = new IoVec { Base = data + (body.Length - bodyLeft), Length = (nuint)bodyLeft };
                var n = (long)Libc.WriteV(fd, iov, count);
                if (n < 0)
                {
                    var errno = Libc.LastErrno;
                    if (errno == Libc.EINTR) continue;
                    if (errno == Libc.EAGAIN)
                    {
                        WorkerMain.WaitFor(fd, Libc.POLLOUT);
                        continue;
                    }
                    throw new IOException($"Sending results to the pool failed: {Libc.Describe(errno)}.");
                }
                var fromHeader = Math.Min(n, headerLeft);
                headerLeft -= fromHeader;
                bodyLeft -= n - fromHeader;
            }
        }
    }
}
