using System.Diagnostics;
using Spindle.Cli.Bench;
using Spindle.Serialization;
using Spindle.Signals;
using Spindle.Tests.Cli;

namespace Spindle.Tests.Broker;

/// <summary>The real <c>spindle worker</c> command in a process of its own, and <c>spindle status</c> beside it.</summary>
public sealed class SpindleWorkerCommandTests : BrokerTest
{
    [BrokerFact]
    public void Spindle_worker_refuses_tasks_of_an_app_it_lacks_and_runs_those_of_the_app_given_with_app()
    {
        var executor = NewExecutor();
        using (var bare = CommandWorker.Start(Queue, Key))
        {
            var error = Assert.Throws<SerializationFormatException>(() => executor.Submit(() => 6 * 7).Result(TestBroker.Patience));
            Assert.Contains("names assembly 'Spindle.Tests", error.Message, StringComparison.Ordinal);
            Assert.Contains("cannot be loaded here", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, bare.Stop());
            Assert.Contains("stopped: 0 succeeded, 1 failed", bare.Output, StringComparison.Ordinal);
        }
        using var app = CommandWorker.Start(Queue, Key, "--app", typeof(BrokerTasks).Assembly.Location);
        Assert.Equal(42, executor.Submit(() => 6 * 7).Result(TestBroker.Patience));
        Assert.Contains("app Spindle.Tests", app.Output, StringComparison.Ordinal);
        TestBroker.WaitUntil(() => app.Output.Contains(": ok in ", StringComparison.Ordinal), "the worker's line for the task");

        var keyFile = Scratch["authkey"];
        File.WriteAllBytes(keyFile, [.. Key, (byte)'\n']);
        var (code, output, errors) = SpindleCli.Run("status", "--queue", Queue, "--authkey-file", keyFile);
        Assert.True(code == 0, errors);
        Assert.True(output.Contains($"queue '{Queue}': 0 tasks waiting, 1 workers connected, 0 dead letters", StringComparison.Ordinal), output);
        Assert.Contains($":{app.Pid} ", output, StringComparison.Ordinal);
        Assert.Equal(0, app.Stop());
    }

    /// <summary><c>spindle worker</c> in a child process, its output collected.</summary>
    private sealed class CommandWorker : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];

        private CommandWorker(Process process) => _process = process;

        public static CommandWorker Start(string queue, byte[] key, params string[] more)
        {
            var psi = CliProcess.StartInfo(["worker", "--queue", queue, "--concurrency", "1", "--verbose", "--report-interval", "1", .. more]);
            psi.Environment["SPINDLE_AUTHKEY"] = System.Text.Encoding.UTF8.GetString(key);
            psi.RedirectStandardOutput = true;
            psi.RedirectStandardError = true;
            var process = new Process { StartInfo = psi };
            var worker = new CommandWorker(process);
            process.OutputDataReceived += (_, e) => worker.Add(e.Data);
            process.ErrorDataReceived += (_, e) => worker.Add(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            TestBroker.WaitUntil(() => worker.Output.Contains("serving queue", StringComparison.Ordinal) || process.HasExited, "spindle worker to start");
            Assert.False(process.HasExited, worker.Output);
            return worker;
        }

        public int Pid => _process.Id;

        public string Output
        {
            get
            {
                lock (_lines) return string.Join('\n', _lines);
            }
        }

        /// <summary>SIGTERM (a warm stop), then its exit code.</summary>
        public int Stop()
        {
            Signal.Kill(_process.Id, Signal.SIGTERM);
            Assert.True(_process.WaitForExit(TestBroker.Patience), Output);
            _process.WaitForExit(); // and its output read to the end
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }

        private void Add(string? line)
        {
            if (line is null) return;
            lock (_lines) _lines.Add(line);
        }
    }
}
