using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Gguf;

/// <summary>A tensor storage type as numbered in ggml.h (the numbers are the file format; gaps are types ggml retired).</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
}

/// <summary>The block layout of a ggml type: how many elements one block holds and how many bytes it takes.</summary>
public sealed record GgmlTypeLayout(GgmlType Type, string Name, int BlockElements, int BlockBytes)
{
    private static readonly Dictionary<GgmlType, GgmlTypeLayout> Layouts = new GgmlTypeLayout[]
    {
        new(GgmlType.F32, "f32", 1, 4),
        new(GgmlType.F16, "f16", 1, 2),
        new(GgmlType.BF16, "bf16", 1, 2),
        new(GgmlType.F64, "f64", 1, 8),
        new(GgmlType.I8, "i8", 1, 1),
        new(GgmlType.I16, "i16", 1, 2),
        new(GgmlType.I32, "i32", 1, 4),
        new(GgmlType.I64, "i64", 1, 8),
        new(GgmlType.Q4_0, "q4_0", 32, 18),
        new(GgmlType.Q4_1, "q4_1", 32, 20),
        new(GgmlType.Q5_0, "q5_0", 32, 22),
        new(GgmlType.Q5_1, "q5_1", 32, 24),
        new(GgmlType.Q8_0, "q8_0", 32, 34),
        new(GgmlType.Q8_1, "q8_1", 32, 36),
        new(GgmlType.Q2_K, "q2_K", 256, 84),
        new(GgmlType.Q3_K, "q3_K", 256, 110),
        new(GgmlType.Q4_K, "q4_K", 256, 144),
        new(GgmlType.Q5_K, "q5_K", 256, 176),
        new(GgmlType.Q6_K, "q6_K", 256, 210),
        new(GgmlType.Q8_K, "q8_K", 256, 292),
        new(GgmlType.IQ2_XXS, "iq2_xxs", 256, 66),
        new(GgmlType.IQ2_XS, "iq2_xs", 256, 74),
        new(GgmlType.IQ3_XXS, "iq3_xxs", 256, 98),
        new(GgmlType.IQ1_S, "iq1_s", 256, 50),
        new(GgmlType.IQ4_NL, "iq4_nl", 32, 18),
        new(GgmlType.IQ3_S, "iq3_s", 256, 110),
        new(GgmlType.IQ2_S, "iq2_s", 256, 82),
        new(GgmlType.IQ4_XS, "iq4_xs", 256, 136),
        new(GgmlType.IQ1_M, "iq1_m", 256, 56),
        new(GgmlType.TQ1_0, "tq1_0", 256, 54),
        new(GgmlType.TQ2_0, "tq2_0", 256, 66),
        new(GgmlType.MXFP4, "mxfp4", 32, 17),
    }.ToDictionary(l => l.Type);

    public static bool TryGet(GgmlType type, out GgmlTypeLayout layout) => Layouts.TryGetValue(type, out layout!);

    public static GgmlTypeLayout Of(GgmlType type) =>
        TryGet(type, out var layout) ? layout : throw new InvalidInputException($"ggml type {(uint)type} is not one this reader knows.");

    /// <summary>The layout for an encoding the analytic model names (q4_0, q6_K, f16, …), if GGUF can store it.</summary>
    public static GgmlTypeLayout? ForEncoding(TensorEncoding encoding) => Layouts.Values.FirstOrDefault(l => l.Name == encoding.Id);

    /// <summary>Bytes of a tensor whose rows are <paramref name="rowLength"/> long; rows must hold whole blocks.</summary>
    public long BytesFor(long rowLength, long rows) => rowLength / BlockElements * BlockBytes * rows;

    /// <summary>The analytic model's encoding for this type: the catalog's own where it has one, else bits per weight from the block.</summary>
    public TensorEncoding Encoding =>
        TensorEncoding.All.FirstOrDefault(e => e.Id == Name) ?? new TensorEncoding(Name, BlockBytes * 8.0 / BlockElements, BlockElements);
}
