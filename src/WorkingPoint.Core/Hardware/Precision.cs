namespace WorkingPoint.Core.Hardware;

/// <summary>The number format arithmetic runs at. Ordered from narrowest to widest.</summary>
public enum Precision
{
    Int4 = 0,
    Int8 = 1,
    Fp16 = 2,
    Bf16 = 3,
    Fp32 = 4,
}

public static class PrecisionExtensions
{
    public const int Count = 5;

    public static string ToId(this Precision precision) => precision switch
    {
        Precision.Int4 => "int4",
        Precision.Int8 => "int8",
        Precision.Fp16 => "fp16",
        Precision.Bf16 => "bf16",
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
            case "fp32": precision = Precision.Fp32; return true;
            default: precision = default; return false;
        }
    }

    /// <summary>Bytes one activation element takes when computing at this precision (int4 layers keep int8 activations).</summary>
    public static double ActivationBytes(this Precision precision) => precision switch
    {
        Precision.Int4 or Precision.Int8 => 1,
        Precision.Fp16 or Precision.Bf16 => 2,
        _ => 4,
    };
}
