using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace WorkingPoint.Measurement.Roofline;

/// <summary>Instruction paths of the fp32 FMA kernel, widest first.</summary>
public enum FmaPath
{
    Vector512,
    Vector256,
    Vector128,
    Scalar,
}

/// <summary>Instruction paths of the int8 dot-product kernel, fastest first.</summary>
public enum Int8Path
{
    /// <summary>x86 AVX-VNNI vpdpbusd: u8·s8 products summed in fours into int32, one instruction.</summary>
    AvxVnni,

    /// <summary>ARM SDOT (dot-product extension): s8·s8 products summed in fours into int32.</summary>
    ArmDotProduct,

    /// <summary>x86 AVX-512BW vpmaddubsw + vpmaddwd: u8·s8 products summed in pairs, then widened; .NET exposes no AVX-512 VNNI.</summary>
    Avx512BW,

    /// <summary>x86 AVX2 vpmaddubsw + vpmaddwd on 256-bit vectors.</summary>
    Avx2,

    /// <summary>Portable widening multiply-add (Vector128), for any other CPU.</summary>
    Portable,
}

/// <summary>
/// Peak-arithmetic loops: many independent accumulator chains, so the time is set by the arithmetic units' throughput, not by
/// the latency of one chain. Each returns a value computed from the accumulators so the JIT cannot drop the work.
/// </summary>
public static class ComputeKernels
{
    /// <summary>Independent chains: enough to cover FMA latency (4–5 cycles) times two pipes on current cores.</summary>
    public const int Chains = 12;

    public static FmaPath BestFmaPath =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? FmaPath.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? FmaPath.Vector256
        : Vector128.IsHardwareAccelerated && (AdvSimd.IsSupported || Fma.IsSupported) ? FmaPath.Vector128
        : FmaPath.Scalar;

    public static Int8Path BestInt8Path =>
        AvxVnni.IsSupported ? Int8Path.AvxVnni
        : Dp.IsSupported ? Int8Path.ArmDotProduct
        : Avx512BW.IsSupported ? Int8Path.Avx512BW
        : Avx2.IsSupported ? Int8Path.Avx2
        : Int8Path.Portable;

    public static bool IsSupported(FmaPath path) => path switch
    {
        FmaPath.Vector512 => Vector512.IsHardwareAccelerated,
        FmaPath.Vector256 => Vector256.IsHardwareAccelerated,
        FmaPath.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    public static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.AvxVnni => AvxVnni.IsSupported,
        Int8Path.ArmDotProduct => Dp.IsSupported,
        Int8Path.Avx512BW => Avx512BW.IsSupported,
        Int8Path.Avx2 => Avx2.IsSupported,
        _ => true,
    };

    /// <summary>Floating-point operations per iteration of <see cref="FusedMultiplyAdd"/> (an FMA counts two).</summary>
    public static long FlopsPerIteration(FmaPath path) => 2L * Chains * path switch
    {
        FmaPath.Vector512 => 16,
        FmaPath.Vector256 => 8,
        FmaPath.Vector128 => 4,
        _ => 1,
    };

    /// <summary>Integer operations per iteration of <see cref="Int8Dot"/> (a multiply-accumulate counts two).</summary>
    public static long OpsPerIteration(Int8Path path) => 2L * Chains * path switch
    {
        Int8Path.Avx512BW => 64,
        Int8Path.AvxVnni or Int8Path.Avx2 => 32,
        _ => 16,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float FusedMultiplyAdd(FmaPath path, long iterations) => path switch
    {
        FmaPath.Vector512 => Fma512(iterations),
        FmaPath.Vector256 => Fma256(iterations),
        FmaPath.Vector128 => Fma128(iterations),
        _ => FmaScalar(iterations),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Int8Dot(Int8Path path, long iterations) => path switch
    {
        Int8Path.AvxVnni => DotAvxVnni(iterations),
        Int8Path.ArmDotProduct => DotArm(iterations),
        Int8Path.Avx512BW => DotAvx512BW(iterations),
        Int8Path.Avx2 => DotAvx2(iterations),
        _ => DotPortable(iterations),
    };

    // acc = acc·m + k converges to k / (1 − m) and never overflows or goes denormal, whatever the iteration count.
    private const float Multiplier = 0.999f;
    private const float Addend = 0.001f;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Fma512(long iterations)
    {
        var m = Vector512.Create(Multiplier);
        var k = Vector512.Create(Addend);
        Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, k);
            a1 = Vector512.FusedMultiplyAdd(a1, m, k);
            a2 = Vector512.FusedMultiplyAdd(a2, m, k);
            a3 = Vector512.FusedMultiplyAdd(a3, m, k);
            a4 = Vector512.FusedMultiplyAdd(a4, m, k);
            a5 = Vector512.FusedMultiplyAdd(a5, m, k);
            a6 = Vector512.FusedMultiplyAdd(a6, m, k);
            a7 = Vector512.FusedMultiplyAdd(a7, m, k);
            a8 = Vector512.FusedMultiplyAdd(a8, m, k);
            a9 = Vector512.FusedMultiplyAdd(a9, m, k);
            a10 = Vector512.FusedMultiplyAdd(a10, m, k);
            a11 = Vector512.FusedMultiplyAdd(a11, m, k);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Fma256(long iterations)
    {
        var m = Vector256.Create(Multiplier);
        var k = Vector256.Create(Addend);
        Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, k);
            a1 = Vector256.FusedMultiplyAdd(a1, m, k);
            a2 = Vector256.FusedMultiplyAdd(a2, m, k);
            a3 = Vector256.FusedMultiplyAdd(a3, m, k);
            a4 = Vector256.FusedMultiplyAdd(a4, m, k);
            a5 = Vector256.FusedMultiplyAdd(a5, m, k);
            a6 = Vector256.FusedMultiplyAdd(a6, m, k);
            a7 = Vector256.FusedMultiplyAdd(a7, m, k);
            a8 = Vector256.FusedMultiplyAdd(a8, m, k);
            a9 = Vector256.FusedMultiplyAdd(a9, m, k);
            a10 = Vector256.FusedMultiplyAdd(a10, m, k);
            a11 = Vector256.FusedMultiplyAdd(a11, m, k);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Fma128(long iterations)
    {
        var m = Vector128.Create(Multiplier);
        var k = Vector128.Create(Addend);
        Vector128<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, k);
            a1 = Vector128.FusedMultiplyAdd(a1, m, k);
            a2 = Vector128.FusedMultiplyAdd(a2, m, k);
            a3 = Vector128.FusedMultiplyAdd(a3, m, k);
            a4 = Vector128.FusedMultiplyAdd(a4, m, k);
            a5 = Vector128.FusedMultiplyAdd(a5, m, k);
            a6 = Vector128.FusedMultiplyAdd(a6, m, k);
            a7 = Vector128.FusedMultiplyAdd(a7, m, k);
            a8 = Vector128.FusedMultiplyAdd(a8, m, k);
            a9 = Vector128.FusedMultiplyAdd(a9, m, k);
            a10 = Vector128.FusedMultiplyAdd(a10, m, k);
            a11 = Vector128.FusedMultiplyAdd(a11, m, k);
        }

        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaScalar(long iterations)
    {
        float a0 = Multiplier, a1 = Multiplier, a2 = Multiplier, a3 = Multiplier, a4 = Multiplier, a5 = Multiplier, a6 = Multiplier, a7 = Multiplier, a8 = Multiplier, a9 = Multiplier, a10 = Multiplier, a11 = Multiplier;
        for (long i = 0; i < iterations; i++)
        {
            a0 = MathF.FusedMultiplyAdd(a0, Multiplier, Addend);
            a1 = MathF.FusedMultiplyAdd(a1, Multiplier, Addend);
            a2 = MathF.FusedMultiplyAdd(a2, Multiplier, Addend);
            a3 = MathF.FusedMultiplyAdd(a3, Multiplier, Addend);
            a4 = MathF.FusedMultiplyAdd(a4, Multiplier, Addend);
            a5 = MathF.FusedMultiplyAdd(a5, Multiplier, Addend);
            a6 = MathF.FusedMultiplyAdd(a6, Multiplier, Addend);
            a7 = MathF.FusedMultiplyAdd(a7, Multiplier, Addend);
            a8 = MathF.FusedMultiplyAdd(a8, Multiplier, Addend);
            a9 = MathF.FusedMultiplyAdd(a9, Multiplier, Addend);
            a10 = MathF.FusedMultiplyAdd(a10, Multiplier, Addend);
            a11 = MathF.FusedMultiplyAdd(a11, Multiplier, Addend);
        }

        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }

    // Int8 operands are small constants; wrap-around of the accumulators is harmless. Without VNNI each chain feeds its own
    // result back in, so the JIT cannot merge chains that would otherwise compute the same product.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DotAvxVnni(long iterations)
    {
        var u = Vector256.Create((byte)1);
        var s = Vector256.Create((sbyte)1);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < iterations; i++)
        {
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, u, s);
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, u, s);
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, u, s);
            a3 = AvxVnni.MultiplyWideningAndAdd(a3, u, s);
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, u, s);
            a5 = AvxVnni.MultiplyWideningAndAdd(a5, u, s);
            a6 = AvxVnni.MultiplyWideningAndAdd(a6, u, s);
            a7 = AvxVnni.MultiplyWideningAndAdd(a7, u, s);
            a8 = AvxVnni.MultiplyWideningAndAdd(a8, u, s);
            a9 = AvxVnni.MultiplyWideningAndAdd(a9, u, s);
            a10 = AvxVnni.MultiplyWideningAndAdd(a10, u, s);
            a11 = AvxVnni.MultiplyWideningAndAdd(a11, u, s);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DotArm(long iterations)
    {
        var s = Vector128.Create((sbyte)1);
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Dp.DotProduct(a0, s, s);
            a1 = Dp.DotProduct(a1, s, s);
            a2 = Dp.DotProduct(a2, s, s);
            a3 = Dp.DotProduct(a3, s, s);
            a4 = Dp.DotProduct(a4, s, s);
            a5 = Dp.DotProduct(a5, s, s);
            a6 = Dp.DotProduct(a6, s, s);
            a7 = Dp.DotProduct(a7, s, s);
            a8 = Dp.DotProduct(a8, s, s);
            a9 = Dp.DotProduct(a9, s, s);
            a10 = Dp.DotProduct(a10, s, s);
            a11 = Dp.DotProduct(a11, s, s);
        }

        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DotAvx512BW(long iterations)
    {
        var s = Vector512.Create((sbyte)1);
        var ones = Vector512.Create((short)1);
        var v0 = Vector512.Create((byte)(1));
        var v1 = Vector512.Create((byte)(2));
        var v2 = Vector512.Create((byte)(3));
        var v3 = Vector512.Create((byte)(4));
        var v4 = Vector512.Create((byte)(5));
        var v5 = Vector512.Create((byte)(6));
        var v6 = Vector512.Create((byte)(7));
        var v7 = Vector512.Create((byte)(8));
        var v8 = Vector512.Create((byte)(9));
        var v9 = Vector512.Create((byte)(10));
        var v10 = Vector512.Create((byte)(11));
        var v11 = Vector512.Create((byte)(12));
        for (long i = 0; i < iterations; i++)
        {
            v0 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v0, s), ones).AsByte();
            v1 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v1, s), ones).AsByte();
            v2 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v2, s), ones).AsByte();
            v3 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v3, s), ones).AsByte();
            v4 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v4, s), ones).AsByte();
            v5 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v5, s), ones).AsByte();
            v6 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v6, s), ones).AsByte();
            v7 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v7, s), ones).AsByte();
            v8 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v8, s), ones).AsByte();
            v9 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v9, s), ones).AsByte();
            v10 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v10, s), ones).AsByte();
            v11 = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(v11, s), ones).AsByte();
        }

        return Vector512.Sum(v0.AsInt32() + v1.AsInt32() + v2.AsInt32() + v3.AsInt32() + v4.AsInt32() + v5.AsInt32() + v6.AsInt32() + v7.AsInt32() + v8.AsInt32() + v9.AsInt32() + v10.AsInt32() + v11.AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DotAvx2(long iterations)
    {
        var s = Vector256.Create((sbyte)1);
        var ones = Vector256.Create((short)1);
        var v0 = Vector256.Create((byte)(1));
        var v1 = Vector256.Create((byte)(2));
        var v2 = Vector256.Create((byte)(3));
        var v3 = Vector256.Create((byte)(4));
        var v4 = Vector256.Create((byte)(5));
        var v5 = Vector256.Create((byte)(6));
        var v6 = Vector256.Create((byte)(7));
        var v7 = Vector256.Create((byte)(8));
        var v8 = Vector256.Create((byte)(9));
        var v9 = Vector256.Create((byte)(10));
        var v10 = Vector256.Create((byte)(11));
        var v11 = Vector256.Create((byte)(12));
        for (long i = 0; i < iterations; i++)
        {
            v0 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v0, s), ones).AsByte();
            v1 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v1, s), ones).AsByte();
            v2 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v2, s), ones).AsByte();
            v3 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v3, s), ones).AsByte();
            v4 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v4, s), ones).AsByte();
            v5 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v5, s), ones).AsByte();
            v6 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v6, s), ones).AsByte();
            v7 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v7, s), ones).AsByte();
            v8 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v8, s), ones).AsByte();
            v9 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v9, s), ones).AsByte();
            v10 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v10, s), ones).AsByte();
            v11 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v11, s), ones).AsByte();
        }

        return Vector256.Sum(v0.AsInt32() + v1.AsInt32() + v2.AsInt32() + v3.AsInt32() + v4.AsInt32() + v5.AsInt32() + v6.AsInt32() + v7.AsInt32() + v8.AsInt32() + v9.AsInt32() + v10.AsInt32() + v11.AsInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DotPortable(long iterations)
    {
        var s = Vector128.Create((sbyte)1);
        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
        for (long i = 0; i < iterations * Chains; i++)
        {
            // 16 s8·s8 products widened to s16, then widened to s32 and accumulated: 16 MACs per step, Chains steps per iteration.
            var (lo, hi) = Vector128.Widen(s);
            var p = (lo * lo) + (hi * hi);
            var (plo, phi) = Vector128.Widen(p);
            a0 += plo;
            a1 += phi;
            a2 += plo;
            a3 += phi;
            s = Vector128.Create((sbyte)(1 + (i & 1)));
        }

        return Vector128.Sum(a0 + a1 + a2 + a3);
    }
}
