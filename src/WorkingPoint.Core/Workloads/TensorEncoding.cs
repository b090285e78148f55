namespace WorkingPoint.Core.Workloads;

/// <summary>
/// How one weight tensor is stored: bits per weight with block scales included, the row-length multiple the block layout needs,
/// and what llama.cpp falls back to when a row is not a multiple of the block (e.g. Qwen2.5-0.5B's 896-wide rows).
/// </summary>
public sealed record TensorEncoding(string Id, double BitsPerWeight, int RowMultiple, double ExtraBitsPerRow = 0, string? FallbackId = null)
{
    public static readonly TensorEncoding F32 = new("f32", 32, 1);
    public static readonly TensorEncoding F16 = new("f16", 16, 1);
    public static readonly TensorEncoding Bf16 = new("bf16", 16, 1);

    /// <summary>int8 with one fp32 scale per output row (per-channel symmetric).</summary>
    public static readonly TensorEncoding Int8PerRow = new("int8", 8, 1, ExtraBitsPerRow: 32);

    /// <summary>int4 with one fp16 scale per group of 128 (the common GPTQ/AWQ layout): 4 + 16/128 bits.</summary>
    public static readonly TensorEncoding Int4Group128 = new("int4", 4 + 16.0 / 128, 128, FallbackId: "int8");

    // llama.cpp block formats: block bytes × 8 / block elements.
    public static readonly TensorEncoding Q8_0 = new("q8_0", 34 * 8 / 32.0, 32);
    public static readonly TensorEncoding Q4_0 = new("q4_0", 18 * 8 / 32.0, 32);
    public static readonly TensorEncoding Q4_1 = new("q4_1", 20 * 8 / 32.0, 32);
    public static readonly TensorEncoding Q5_0 = new("q5_0", 22 * 8 / 32.0, 32);
    public static readonly TensorEncoding Q5_1 = new("q5_1", 24 * 8 / 32.0, 32);
    public static readonly TensorEncoding Q4_K = new("q4_K", 144 * 8 / 256.0, 256, FallbackId: "q5_0");
    public static readonly TensorEncoding Q5_K = new("q5_K", 176 * 8 / 256.0, 256, FallbackId: "q5_1");
    public static readonly TensorEncoding Q6_K = new("q6_K", 210 * 8 / 256.0, 256, FallbackId: "q8_0");

    public static IReadOnlyList<TensorEncoding> All { get; } = [F32, F16, Bf16, Int8PerRow, Int4Group128, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K];

    public static TensorEncoding ById(string id) => All.First(e => e.Id == id);

    /// <summary>The encoding actually used for rows of <paramref name="rowLength"/> elements.</summary>
    public TensorEncoding ForRowLength(long rowLength) =>
        rowLength % RowMultiple == 0 || FallbackId is null ? this : ById(FallbackId).ForRowLength(rowLength);

    /// <summary>Storage of a [rows × rowLength] tensor in bytes.</summary>
    public double BytesFor(long rowLength, long rows)
    {
        var used = ForRowLength(rowLength);
        return ((used.BitsPerWeight * rowLength) + used.ExtraBitsPerRow) * rows / 8.0;
    }
}
