namespace Spindle.Tests.Serialization;

// Types the serialization tests send across: records, plain classes and structs with public state.

internal record Person(string Name, int Age)
{
    public List<string> Tags { get; init; } = [];
}

internal sealed record Blob(Guid Id, byte[] Data, string Label, int Count, double Score);

internal record struct Point(int X, int Y);

internal readonly record struct Span2(double From, double To);

internal sealed record Derived(string Name, int Age, string Extra) : Person(Name, Age);

internal sealed class Settings
{
    public string Host { get; set; } = "";
    public int Port { get; set; }
    public Settings? Fallback { get; set; }
    public Dictionary<string, string> Headers { get; init; } = [];
    public int PublicField;
}

internal struct Vector
{
    public double X;
    public double Y { get; set; }
}

/// <summary>Public get-only state set through a constructor, with a private backing field named after it.</summary>
internal sealed class Money(decimal amount, string currency)
{
    private readonly decimal _amount = amount;

    public decimal Amount => _amount;

    public string Currency { get; } = currency;
}

internal sealed class Node
{
    public int Value { get; set; }
    public Node? Next { get; set; }
    public List<Node> Children { get; set; } = [];
}

/// <summary>Every kind of blittable field, which cross as raw bytes without boxing.</summary>
internal sealed class AllBlittable
{
    public char C { get; set; }
    public Half H { get; set; }
    public Int128 Big { get; set; }
    public TimeSpan Span { get; set; }
    public Guid Id { get; set; }
    public ValueCodecPrimitiveTests.Colour Colour { get; set; }
    public ValueCodecPrimitiveTests.Access Access { get; set; }
    public sbyte S8 { get; set; }
    public ushort U16 { get; set; }
    public float F { get; set; }
}

internal record struct BlittablePair(char C, long L);
