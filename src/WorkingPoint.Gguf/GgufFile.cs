using WorkingPoint.Core;
namespace WorkingPoint.Gguf;

/// <summary>The type tag of a metadata value, as numbered in the GGUF specification.</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>
/// One metadata value. Scalars are held widened (integers as long/ulong, floats as double); arrays keep their element type and
/// values. <see cref="Type"/> is what the file stores, so a writer reproduces it exactly.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType? ElementType = null)
{
    public static GgufValue Of(string value) => new(GgufValueType.String, value);

    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, (ulong)value);

    public static GgufValue Of(int value) => new(GgufValueType.Int32, (long)value);

    public static GgufValue Of(float value) => new(GgufValueType.Float32, (double)value);

    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);

    public static GgufValue Array(GgufValueType elementType, System.Collections.IList values) => new(GgufValueType.Array, values, elementType);

    /// <summary>The value as an integer, whatever integer width the file used; null for other types.</summary>
    public long? AsInteger => Value switch
    {
        long l => l,
        ulong u when u <= long.MaxValue => (long)u,
        _ => null,
    };

    public double? AsFloat => Value switch { double d => d, long l => l, ulong u => u, _ => null };

    public string? AsString => Value as string;

    public int ArrayLength => Value is System.Collections.ICollection c ? c.Count : 0;

    public override string ToString() => Value switch
    {
        string s => s.Length > 80 ? $"\"{s[..77]}…\"" : $"\"{s}\"",
        System.Collections.ICollection c => $"[{ElementType?.ToString().ToLowerInvariant()} × {c.Count}]",
        bool b => b ? "true" : "false",
        double d => d.ToString("G6", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}

/// <summary>One tensor's entry in the header: name, dimensions innermost first (ggml's ne0, ne1, …), type and data offset.</summary>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, long Offset)
{
    public long Elements => Dimensions.Aggregate(1L, (a, d) => a * d);

    /// <summary>Elements in one row (ne0).</summary>
    public long RowLength => Dimensions.Count == 0 ? 1 : Dimensions[0];

    public long Rows => RowLength == 0 ? 0 : Elements / RowLength;

    public long Bytes => GgmlTypeLayout.Of(Type).BytesFor(RowLength, Rows);

    public string Shape => $"[{string.Join(" × ", Dimensions)}]";
}

/// <summary>A GGUF file's header: version, metadata, tensor directory, and where the tensor data starts.</summary>
public sealed record GgufFile(
    string Path,
    uint Version,
    IReadOnlyDictionary<string, GgufValue> Metadata,
    IReadOnlyList<GgufTensorInfo> Tensors,
    long Alignment,
    long DataOffset,
    long FileBytes)
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const long DefaultAlignment = 32;

    public string? Architecture => Metadata.TryGetValue("general.architecture", out var v) ? v.AsString : null;

    public long TensorDataBytes => Tensors.Sum(t => t.Bytes);

    public GgufValue? Get(string key) => Metadata.TryGetValue(key, out var v) ? v : null;

    public GgufTensorInfo? Tensor(string name) => Tensors.FirstOrDefault(t => t.Name == name);
}

/// <summary>A GGUF file that cannot be read: the message names the file, what is wrong and what to do.</summary>
public sealed class GgufFormatException(string message) : WorkingPointException(message);
