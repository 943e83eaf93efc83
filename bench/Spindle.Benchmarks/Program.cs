using Spindle.Benchmarks;

// dotnet run -c Release --project bench/Spindle.Benchmarks -- --filter '*'     BenchmarkDotNet suites
// dotnet run -c Release --project bench/Spindle.Benchmarks -- --vs-python      the figures of docs/performance.md, with the Python peer
// --noop exits at once: the bare .NET start that process figures are compared with (kept out of Harness so that
// nothing else is loaded or compiled first).
if (args is ["--noop"]) return 0;
return Harness.Run(args);
