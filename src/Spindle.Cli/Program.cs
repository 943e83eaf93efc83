// The spindle command: tour, demo (bench and echo come later). See SpindleCommand.
return Spindle.Cli.SpindleCommand.Run(args, Console.Out, Console.Error);
