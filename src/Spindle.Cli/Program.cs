// The spindle command: tour, demo, bench, echo, worker, status. See SpindleCommand.
// --noop exits before anything else is loaded: the bare .NET start that `spindle bench processes` compares a child's start with.
if (args is ["--noop"]) return 0;
return Spindle.Cli.SpindleCommand.Run(args, Console.Out, Console.Error);
