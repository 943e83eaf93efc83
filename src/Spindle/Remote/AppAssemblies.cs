using System.Reflection;
using System.Runtime.Loader;

namespace Spindle.Remote;

/// <summary>
/// Makes an application's assemblies loadable in a process that did not start from that application — a worker started
/// by <c>spindle worker --app App.dll</c>, and the pool processes it runs tasks in — so that a task naming
/// <c>App</c> finds the very build given, with its dependencies resolved from its <c>.deps.json</c> as the app itself
/// would. A name is resolved only when the process cannot find it by itself.
/// </summary>
internal static class AppAssemblies
{
    private static readonly Lock s_gate = new();
    private static readonly List<(string Path, AssemblyDependencyResolver Resolver)> s_apps = [];
    private static bool s_hooked;

    /// <summary>Adds the applications at <paramref name="paths"/> (their main assemblies); each path is added once.</summary>
    /// <exception cref="FileNotFoundException">An assembly does not exist.</exception>
    public static void Use(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) return;
        lock (s_gate)
        {
            foreach (var given in paths)
            {
                var path = Path.GetFullPath(given);
                if (s_apps.Exists(app => app.Path == path)) continue;
                if (!File.Exists(path)) throw new FileNotFoundException($"The application assembly '{path}' does not exist.", path);
                s_apps.Add((path, new AssemblyDependencyResolver(path)));
            }
            if (!s_hooked)
            {
                AssemblyLoadContext.Default.Resolving += Resolve;
                s_hooked = true;
            }
        }
    }

    /// <summary>Adds the applications and loads their main assemblies now (a worker names what it serves when it starts).</summary>
    /// <exception cref="FileNotFoundException">An assembly does not exist.</exception>
    /// <exception cref="BadImageFormatException">A file is not a .NET assembly.</exception>
    /// <exception cref="FileLoadException">An assembly of that name but another build is already loaded here.</exception>
    public static IReadOnlyList<Assembly> Load(IReadOnlyList<string> paths)
    {
        Use(paths);
        var loaded = new List<Assembly>(paths.Count);
        foreach (var path in paths)
        {
            var name = AssemblyName.GetAssemblyName(Path.GetFullPath(path));
            loaded.Add(AssemblyLoadContext.Default.LoadFromAssemblyName(name));
        }
        return loaded;
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        (string Path, AssemblyDependencyResolver Resolver)[] apps;
        lock (s_gate) apps = [.. s_apps];
        foreach (var (path, resolver) in apps)
        {
            var found = resolver.ResolveAssemblyToPath(name);
            if (found is null && string.Equals(AssemblyName.GetAssemblyName(path).Name, name.Name, StringComparison.OrdinalIgnoreCase)) found = path;
            if (found is not null) return context.LoadFromAssemblyPath(found);
        }
        return null;
    }
}
