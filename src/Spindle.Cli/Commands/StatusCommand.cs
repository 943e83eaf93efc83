using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spindle.Broker;

namespace Spindle.Cli.Commands;

/// <summary>
/// <c>spindle status [--broker URI] [--queue NAME…] [--wait S]</c>: each queue's depth, connected workers and dead
/// letters, and — when the authkey is known — every worker's own report (Celery: <c>celery status</c> and
/// <c>celery inspect stats</c>).
/// </summary>
internal static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(IAnsiConsole console, TextWriter error)
    {
        var broker = new BrokerArguments();
        var queues = new Option<string[]>("--queue", "-Q")
        {
            Description = "The queues to show (repeatable).",
            DefaultValueFactory = _ => [BrokerOptions.DefaultQueue],
            Arity = ArgumentArity.OneOrMore,
        };
        var wait = new Option<double>("--wait") { Description = "Seconds to wait for the workers' reports.", DefaultValueFactory = _ => 2 };
        var command = new Command("status", "Show the queues' depths and connected workers.") { broker.Broker, queues, broker.AuthKeyFile, wait };
        command.SetAction(result =>
        {
            Uri uri;
            byte[]? key;
            try
            {
                uri = broker.BrokerUri(result);
                key = broker.AuthKey(result);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
            {
                error.WriteLine($"spindle status: {e.Message}");
                return WorkerCommand.BadArgument;
            }
            try
            {
                foreach (var queue in result.GetValue(queues)!)
                {
                    var status = BrokerStatus.QueryAsync(uri, queue, key, TimeSpan.FromSeconds(result.GetValue(wait)), CancellationToken.None).GetAwaiter().GetResult();
                    Show(status, console);
                }
                return 0;
            }
            catch (Exception e) when (e is BrokerUnavailableException or ArgumentException)
            {
                error.WriteLine($"spindle status: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static void Show(QueueStatus status, IAnsiConsole console)
    {
        var c = CultureInfo.InvariantCulture;
        if (!status.Exists)
        {
            console.WriteLine($"queue '{status.Queue}': not declared (no executor or worker has used it)");
            return;
        }
        console.WriteLine(string.Create(c,
            $"queue '{status.Queue}': {status.Ready:N0} tasks waiting, {status.Workers:N0} workers connected, {status.DeadLetters:N0} dead letters in '{status.Queue}.dead'"));
        if (status.Reports is not { } reports)
        {
            if (status.Workers > 0) console.WriteLine("  (set SPINDLE_AUTHKEY or pass --authkey-file to see each worker's report)");
            return;
        }
        var table = new Table().AddColumns("worker", "concurrency", "prefetch", "running", "succeeded", "failed", "redelivered", "refused", "tasks/s", "up since");
        foreach (var r in reports)
        {
            var n = r.Counters;
            table.AddRow(Markup.Escape(r.Worker), r.Concurrency.ToString(c), r.Prefetch.ToString(c), n.Running.ToString("N0", c), n.Succeeded.ToString("N0", c),
                n.Failed.ToString("N0", c), n.Redelivered.ToString("N0", c), n.Rejected.ToString("N0", c), r.TasksPerSecond.ToString("N0", c),
                r.Started.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", c));
        }
        console.Write(table);
        if (reports.Count < status.Workers)
            console.WriteLine(string.Create(c, $"  {status.Workers - reports.Count} worker(s) did not answer in time (busy, or another authkey)"));
    }
}
