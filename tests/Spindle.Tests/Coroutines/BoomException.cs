namespace Spindle.Tests.Coroutines;

/// <summary>The failure the coroutine tests raise on purpose (never one the hub raises itself).</summary>
internal sealed class BoomException : Exception
{
    public BoomException() : base("boom") { }
}
