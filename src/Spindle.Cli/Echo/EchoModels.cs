namespace Spindle.Cli.Echo;

/// <summary>Every echo server model, in the order the seeds teach them: one file per model, one line here.</summary>
internal static class EchoModels
{
    /// <summary>All models; <c>spindle bench echo</c> measures them in this order.</summary>
    public static IReadOnlyList<EchoModel> All { get; } =
    [
        BlockingEcho.Model,
        ThreadsEcho.Model,
        NonBlockingEcho.Model,
        SelectEcho.Model,
        PollEcho.Model,
        EpollEcho.Model,
        AsyncEcho.Model,
        HubEcho.Model,
    ];

    /// <summary>The model called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static EchoModel? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>"blocking, threads, …" for help texts and errors.</summary>
    public static string Names => string.Join(", ", All.Select(m => m.Name));
}
