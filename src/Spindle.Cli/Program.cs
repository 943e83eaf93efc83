// The spindle command. Subcommands are added in Commands/ (tour, demo, bench, echo).
Console.WriteLine("spindle: usage: spindle tour | demo NAME | demo --list");
return 1;
