using System.CommandLine;
using System.Globalization;
using Spindle.Broker;
using Spindle.Signals;

namespace Spindle.Cli.Commands;

/// <summary>
/// <c>spindle worker [--broker URI] [--queue NAME] [--concurrency N] [--prefetch N] [--app App.dll…] [--verbose]</c>:
/// a <see cref="BrokerWorker"/> that runs the tasks of <see cref="BrokerExecutor"/>s on this machine until Ctrl+C or
/// SIGTERM (a warm stop: the tasks taken are finished; a second signal quits at once and the broker hands them to
/// other workers). Celery: <c>celery worker</c>.
/// </summary>
internal static class WorkerCommand
{
    /// <summary>Exit code for bad settings.</summary>
    public const int BadArgument = 2;

    /// <summary>Exit code when a second signal quits without finishing the tasks taken.</summary>
    public const int Interrupted = 130;

    /// <summary>Builds the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var broker = new BrokerArguments();
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Tasks run at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var prefetch = new Option<int?>("--prefetch") { Description = "Most tasks taken from the queue at once; default 4 × concurrency (raise it for tiny tasks)." };
        var apps = new Option<string[]>("--app")
        {
            Description = "The main assembly of the application whose tasks this worker runs (repeatable); not needed when the tasks come from Spindle.Cli itself.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var redeliveries = new Option<int>("--max-redeliveries") { Description = "Deliveries after a lost worker before a task is dead-lettered (must match the queue's).", DefaultValueFactory = _ => 5 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "A line per task, not only the periodic summary." };
        var interval = new Option<double>("--report-interval") { Description = "Seconds between summary lines.", DefaultValueFactory = _ => 5 };
        var command = new Command("worker", "Run the tasks of broker executors on this machine, until Ctrl+C.")
        {
            broker.Broker, broker.Queue, broker.AuthKeyFile, concurrency, prefetch, apps, redeliveries, verbose, interval,
        };
        command.SetAction(result =>
        {
            BrokerWorker worker;
            try
            {
                worker = new BrokerWorker(broker.BrokerUri(result), new BrokerWorkerOptions
                {
                    Queue = result.GetValue(broker.Queue)!,
                    AuthKey = broker.AuthKey(result),
                    Concurrency = result.GetValue(concurrency),
                    Prefetch = result.GetValue(prefetch),
                    AppAssemblies = result.GetValue(apps) ?? [],
                    MaxRedeliveries = result.GetValue(redeliveries),
                    Verbose = result.GetValue(verbose),
                    ReportInterval = TimeSpan.FromSeconds(result.GetValue(interval)),
                    Output = output,
                });
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
            {
                error.WriteLine($"spindle worker: {e.Message}");
                return BadArgument;
            }
            return Run(worker, output, error);
        });
        return command;
    }

    private static int Run(BrokerWorker worker, TextWriter output, TextWriter error)
    {
        using var stop = new CancellationTokenSource();
        var signals = 0;
        void OnSignal(int signal)
        {
            if (Interlocked.Increment(ref signals) > 1) Environment.Exit(Interrupted); // the broker redelivers what this worker held
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Signal.Name(signal)}: finishing the tasks taken, then stopping (signal again to quit at once)"));
            stop.Cancel();
        }
        using (Signal.Handle(Signal.SIGINT, OnSignal))
        using (Signal.Handle(Signal.SIGTERM, OnSignal))
        {
            try
            {
                worker.Run(stop.Token);
                return 0;
            }
            catch (Exception e) when (e is BrokerUnavailableException or InvalidOperationException or IOException or BadImageFormatException)
            {
                error.WriteLine($"spindle worker: {e.Message}");
                return 1;
            }
        }
    }
}
