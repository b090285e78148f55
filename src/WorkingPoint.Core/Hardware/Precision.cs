namespace WorkingPoint.Core.Hardware;

/// <summary>The number format arithmetic runs at. Ordered from narrowest to widest.</summary>
public enum Precision
{
    Int4 = 0,
    Int8 = 1,
    Fp16 = 2,
    Bf16 = 3,

    /// <summary>
    /// TensorFloat-32: fp32 storage and range, products of 10-bit mantissas on tensor cores (NVIDIA Ampere and later). Not a
    /// weight format: a runtime executes fp32 as tf32 where its unit has a tf32 rate (TensorRT does by default).
    /// </summary>
    Tf32 = 4,
    Fp32 = 5,
}

public static class PrecisionExtensions
{
    public const int Count = 6;

    public static string ToId(this Precision precision) => precision switch
    {
        Precision.Int4 => "int4",
        Precision.Int8 => "int8",
        Precision.Fp16 => "fp16",
        Precision.Bf16 => "bf16",
        Precision.Tf32 => "tf32",
        Precision.Fp32 => "fp32",
        _ => throw new ArgumentOutOfRangeException(nameof(precision)),
    };

    public static bool TryParse(string? text, out Precision precision)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "int4": precision = Precision.Int4; return true;
            case "int8": precision = Precision.Int8; return true;
            case "fp16": precision = Precision.Fp16; return true;
            case "bf16": precision = Precision.Bf16; return true;
            case "tf32": precision = Precision.Tf32; return true;
            case "fp32": precision = Precision.Fp32; return true;
            default: precision = default; return false;
        }
    }

    /// <summary>The ids WorkingPoint knows, narrowest first, for messages ("int4, int8, fp16, bf16, tf32 or fp32").</summary>
    public static string IdList { get; } = string.Join(", ", Enum.GetValues<Precision>().SkipLast(1).Select(p => p.ToId())) + " or " + Precision.Fp32.ToId();

    /// <summary>Bytes one activation element takes when computing at this precision (int4 layers keep int8 activations; tf32 keeps fp32 tensors).</summary>
    public static double ActivationBytes(this Precision precision) => precision switch
    {
        Precision.Int4 or Precision.Int8 => 1,
        Precision.Fp16 or Precision.Bf16 => 2,
        _ => 4,
    };
}
