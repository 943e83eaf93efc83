namespace Spindle.Managers;

/// <summary>The methods of a served array. Python: <c>ArrayProxy</c>'s <c>__len__</c>, <c>__getitem__</c>, <c>__setitem__</c>.</summary>
internal enum ArrayMethod : byte
{
    /// <summary>→ [element size: i32][length: i32].</summary>
    Shape = 1,

    /// <summary>[start][count] → [bytes of the elements].</summary>
    Read = 2,

    /// <summary>[start][bytes of the elements] → nothing.</summary>
    Write = 3,
}

/// <summary>
/// A fixed-length array of one unmanaged element type held by the manager, as raw element bytes (the server needs
/// only the element size). Python: the <c>array.array</c> behind <c>manager.Array(typecode, sequence)</c>.
/// </summary>
internal sealed class ServedArray : Served
{
    private readonly Lock _gate = new();
    private readonly byte[] _data;
    private readonly int _elementSize;

    internal ServedArray(ref WireReader initial)
    {
        _elementSize = initial.Count();
        _data = initial.Blob().ToArray();
        if (_elementSize == 0 || _data.Length % _elementSize != 0)
            throw new InvalidDataException($"Malformed manager request: an array of {_data.Length} bytes cannot hold {_elementSize}-byte elements.");
    }

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        switch ((ArrayMethod)call.Method)
        {
            case ArrayMethod.Shape:
                call.Result.Int32(_elementSize);
                call.Result.Int32(_data.Length / _elementSize);
                break;
            case ArrayMethod.Read:
            {
                var (offset, length) = Range(args.Count(), args.Count());
                lock (_gate) call.Result.Blob(_data.AsSpan(offset, length));
                break;
            }
            case ArrayMethod.Write:
            {
                var start = args.Count();
                var bytes = args.Blob();
                if (bytes.Length % _elementSize != 0) throw new InvalidDataException("Malformed manager request: a partial array element.");
                var (offset, length) = Range(start, bytes.Length / _elementSize);
                lock (_gate) bytes.CopyTo(_data.AsSpan(offset, length));
                break;
            }
            default:
                throw UnknownMethod(call, "an array");
        }
        args.End();
        return default;
    }

    private (int Offset, int Length) Range(int start, int count)
    {
        var length = _data.Length / _elementSize;
        if (start > length || count > length - start)
            throw new ArgumentOutOfRangeException($"array index out of range: elements {start}..{start + count - 1} of an array of {length}.", (Exception?)null);
        return (start * _elementSize, count * _elementSize);
    }
}
