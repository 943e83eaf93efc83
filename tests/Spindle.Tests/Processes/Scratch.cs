namespace Spindle.Tests.Processes;

/// <summary>A temporary directory through which a test and its children talk (files appear, children poll for them).</summary>
internal sealed class Scratch : IDisposable
{
    public Scratch() => Directory.CreateDirectory(Dir);

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "spindle-test-" + Guid.NewGuid().ToString("N"));

    public string this[string name] => Path.Combine(Dir, name);

    /// <summary>Creates the file <paramref name="name"/> (a child waiting for it proceeds).</summary>
    public void Touch(string name) => File.WriteAllText(this[name], "");

    /// <summary>Waits (polling, generous deadline) until the file exists, then returns its text.</summary>
    public string WaitForText(string name) => ChildTargets.WaitForFile(this[name]) ? File.ReadAllText(this[name]) : throw new TimeoutException($"{name} never appeared");

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
