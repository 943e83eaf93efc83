using Spindle.Serialization;

namespace Spindle.Remote;

/// <summary>
/// A worker's side of one task, run by its local executor (a thread, or a pool process): decode the call, run it, and
/// turn whatever happened into a <see cref="TaskOutcome"/>. The call was authenticated before it got here
/// (<see cref="TaskMessage.Open"/>): decoding loads the assemblies it names and refuses another build of them
/// (<see cref="AssemblyMismatchException"/>), so a worker never runs the wrong code.
/// </summary>
internal static class TaskRunner
{
    /// <summary>Runs an encoded call; never throws: a failure to decode, the call's exception or an unsendable result is the outcome.</summary>
    /// <param name="call">The call, encoded by <see cref="CallCodec"/>.</param>
    /// <param name="appAssemblies">Applications whose assemblies the call may name (<see cref="AppAssemblies"/>); empty when this process is the app.</param>
    public static byte[] Run(byte[] call, string[] appAssemblies)
    {
        try
        {
            AppAssemblies.Use(appAssemblies);
            return TaskOutcome.Success(CallCodec.Decode(call).Invoke());
        }
#pragma warning disable CA1031 // every exception is the task's outcome, carried back to its future
        catch (Exception e)
#pragma warning restore CA1031
        {
            return TaskOutcome.Failure(e);
        }
    }
}
