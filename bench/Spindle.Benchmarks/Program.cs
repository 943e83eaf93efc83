using Spindle.Benchmarks;

// dotnet run -c Release --project bench/Spindle.Benchmarks -- --filter '*'     BenchmarkDotNet suites
// dotnet run -c Release --project bench/Spindle.Benchmarks -- --vs-python      the figures of docs/performance.md, with the Python peer
// Whole-program figures with their peers (process start, pools, queues, echo servers…): `spindle bench --vs-python`.
return Harness.Run(args);
