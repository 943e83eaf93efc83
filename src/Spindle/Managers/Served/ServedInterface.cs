using System.Reflection;
using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// An object of a registered type, served through its interface: a call names a method of that interface's
/// <see cref="MethodTable"/> by index, so nothing else of the object can be reached. Python: a registered type's
/// referent with its <c>exposed</c> methods.
/// </summary>
internal sealed class ServedInterface(object target, MethodTable table) : Served
{
    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        if (call.Method >= table.Methods.Count) throw UnknownMethod(call, table.Interface.ToString());
        var shape = table.Methods[call.Method];
        var sent = ValueCodec.Decode<object?[]>(args.Blob());
        args.End();
        var invokeArgs = shape.ArgumentsToInvoke(sent, call.Token);
        var returned = shape.Method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, invokeArgs, null);
        if (shape.ReturnsTask) return AwaitAsync(call, shape, shape.AsTaskOf(returned), invokeArgs);
        WriteResult(call, shape, returned, invokeArgs);
        return default;
    }

    private static async ValueTask AwaitAsync(ServerCall call, MethodShape shape, Task task, object?[] invokeArgs)
    {
        await task.ConfigureAwait(false);
        WriteResult(call, shape, shape.ResultOf(task), invokeArgs);
    }

    private static void WriteResult(ServerCall call, MethodShape shape, object? result, object?[] invokeArgs)
    {
        ValueWire.Write(call.Result, result);
        ValueWire.Write(call.Result, shape.ByRefValues(invokeArgs));
    }
}
