namespace Spindle.Serialization;

/// <summary>
/// Types every payload may name by a fixed small id, without writing their names. The order is part of the format:
/// append only, and bump <see cref="PayloadHeader.Version"/> if it ever changes.
/// </summary>
internal static class WellKnownTypes
{
    private static readonly Type[] s_types =
    [
        typeof(object), typeof(bool), typeof(char), typeof(sbyte), typeof(byte), typeof(short), typeof(ushort),
        typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(decimal),
        typeof(string), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan), typeof(Guid), typeof(Half),
        typeof(Int128), typeof(UInt128), typeof(DateOnly), typeof(TimeOnly),
        typeof(byte[]), typeof(int[]), typeof(long[]), typeof(double[]), typeof(string[]), typeof(object[]),
        typeof(List<>), typeof(Dictionary<,>), typeof(HashSet<>), typeof(Nullable<>), typeof(KeyValuePair<,>),
        typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>),
        typeof(ValueTuple<,,,,>), typeof(ValueTuple<,,,,,>), typeof(ValueTuple<,,,,,,>), typeof(ValueTuple<,,,,,,,>),
        typeof(Tuple<>), typeof(Tuple<,>), typeof(Tuple<,,>), typeof(Tuple<,,,>), typeof(Tuple<,,,,>),
        typeof(Tuple<,,,,,>), typeof(Tuple<,,,,,,>), typeof(Tuple<,,,,,,,>),
        typeof(Action), typeof(Action<>), typeof(Action<,>), typeof(Action<,,>), typeof(Action<,,,>),
        typeof(Func<>), typeof(Func<,>), typeof(Func<,,>), typeof(Func<,,,>), typeof(Func<,,,,>),
        typeof(List<int>), typeof(List<string>), typeof(List<object>), typeof(Dictionary<string, object>),
        typeof(Dictionary<string, string>), typeof(Dictionary<string, int>),
    ];

    // A plain dictionary filled by a loop: a FrozenDictionary built through LINQ cost a fresh child process ~20 ms
    // of JIT compilation on its first decode, far more than its faster lookups ever save.
    private static readonly Dictionary<Type, int> s_ids = BuildIds();

    private static readonly TypePlan?[] s_plans = new TypePlan?[s_types.Length];

    private static Dictionary<Type, int> BuildIds()
    {
        var ids = new Dictionary<Type, int>(s_types.Length);
        for (var i = 0; i < s_types.Length; i++) ids.Add(s_types[i], i);
        return ids;
    }

    public static int Count => s_types.Length;

    public static bool TryGetId(Type type, out int id) => s_ids.TryGetValue(type, out id);

    public static TypePlan Plan(int id) =>
        s_plans[id] ??= s_types[id].IsGenericTypeDefinition ? TypePlans.OpenGeneric(s_types[id]) : TypePlans.For(s_types[id]);
}
