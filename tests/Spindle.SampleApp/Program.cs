using System.Globalization;
using Spindle.Processes;

// Default mode prints one line from Main and one from the child: the test checks that Main ran once (the child
// never runs it) and that the child's output reaches this process's stdout. The working directory is changed
// before the start, so a relative `dotnet Spindle.SampleApp.dll` command line must still find the app in the child.
// "atexit DIR" mode returns from Main with a non-daemon child waiting for DIR/release and a daemon child waiting
// forever: the process must join the first and terminate the second as it exits, as Python's atexit handler does.
if (args is ["atexit", var dir])
{
    var worker = SpindleProcess.Create(SampleChild.WaitThenWrite, dir);
    worker.Start();
    var daemon = SpindleProcess.Create(SampleChild.WaitForever, dir, daemon: true);
    daemon.Start();
    var pidFile = Path.Combine(dir, "daemon.pid");
    File.WriteAllText(pidFile + ".tmp", daemon.Pid!.Value.ToString(CultureInfo.InvariantCulture));
    File.Move(pidFile + ".tmp", pidFile); // whole or absent for the test that polls for it
    return;
}
Console.WriteLine($"main {Environment.ProcessId}");
Directory.SetCurrentDirectory(Path.GetTempPath());
var child = new SpindleProcess(SampleChild.Hello, name: "sample-child");
child.Start();
child.Join();
Console.WriteLine($"joined exit={child.ExitCode?.ToString(CultureInfo.InvariantCulture)}");

internal static class SampleChild
{
    public static void Hello() =>
        Console.WriteLine($"child {Processes.Current.Name} {Environment.ProcessId} parent {Processes.Parent?.Pid}");

    public static void WaitThenWrite(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "worker.started"), "");
        WaitForFile(Path.Combine(dir, "release"));
        File.WriteAllText(Path.Combine(dir, "worker.done"), "");
    }

    public static void WaitForever(string dir) => WaitForFile(Path.Combine(dir, "never"));

    private static void WaitForFile(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(path) && DateTime.UtcNow < deadline) Thread.Sleep(5); // polls a condition the test controls
    }
}
