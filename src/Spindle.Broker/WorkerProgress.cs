using System.Diagnostics;
using System.Globalization;

namespace Spindle.Broker;

/// <summary>
/// What a worker says as it goes (<c>spindle worker</c>'s output): a line when it starts, stops, loses or regains the
/// broker, or refuses a message; every <see cref="BrokerWorkerOptions.ReportInterval"/> while busy, its throughput and
/// what it ran; and with <see cref="BrokerWorkerOptions.Verbose"/>, a line per task.
/// </summary>
internal sealed class WorkerProgress(TextWriter? output, bool verbose)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _ran = [];
    private long _lastTimestamp = Stopwatch.GetTimestamp();
    private long _lastFinished;
    private double _rate;

    /// <summary>Tasks per second over the last report interval.</summary>
    public double TasksPerSecond
    {
        get
        {
            lock (_gate) return _rate;
        }
    }

    public void Say(string text)
    {
        if (output is null) return;
        lock (_gate)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} {text}"));
            output.Flush();
        }
    }

    /// <summary>A task finished: counted for the summary, and printed when verbose.</summary>
    public void Ran(Guid id, string name, string? failure, TimeSpan elapsed, bool redelivered)
    {
        lock (_gate) _ran[name] = _ran.GetValueOrDefault(name) + 1;
        if (!verbose) return;
        var outcome = failure is null ? "ok" : "failed: " + failure;
        Say(string.Create(CultureInfo.InvariantCulture,
            $"task {id.ToString("N")[..8]} {name}{(redelivered ? " (redelivered)" : "")}: {outcome} in {elapsed.TotalMilliseconds:0.0} ms"));
    }

    /// <summary>The periodic line: throughput since the last one, counters, and the most frequent tasks. Silent when idle.</summary>
    public void Report(BrokerWorkerCounters counters)
    {
        string? line = null;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            var finished = counters.Succeeded + counters.Failed;
            var seconds = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            _rate = seconds > 0 ? (finished - _lastFinished) / seconds : 0;
            if (finished != _lastFinished || counters.Running > 0)
            {
                var top = string.Join(", ", _ran.OrderByDescending(kv => kv.Value).Take(3)
                    .Select(kv => kv.Key + " ×" + kv.Value.ToString("N0", CultureInfo.InvariantCulture)));
                var redelivered = counters.Redelivered > 0 ? counters.Redelivered.ToString("N0", CultureInfo.InvariantCulture) + " redelivered, " : "";
                line = string.Create(CultureInfo.InvariantCulture,
                    $"{_rate:N0} tasks/s · {counters.Succeeded:N0} succeeded, {counters.Failed:N0} failed, {redelivered}{counters.Running:N0} running{(top.Length > 0 ? " · ran " + top : "")}");
            }
            _ran.Clear();
            _lastTimestamp = now;
            _lastFinished = finished;
        }
        if (line is not null) Say(line);
    }
}
