using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace WorkingPoint.Measurement.Roofline;

/// <summary>The four STREAM-style memory kernels.</summary>
public enum MemoryKernel
{
    /// <summary>s += a[i]: one array read.</summary>
    Read,

    /// <summary>a[i] = s: one array written.</summary>
    Write,

    /// <summary>a[i] = b[i]: one read, one write.</summary>
    Copy,

    /// <summary>a[i] = b[i] + s·c[i]: two reads, one write.</summary>
    Triad,
}

/// <summary>
/// How a kernel's loop is written: 512-bit vectors (<see cref="Vector512{T}"/>, AVX-512, as GCC's -march=native code uses), the
/// portable SIMD vector (<see cref="Vector{T}"/>: 256-bit AVX on x86, NEON on ARM) or plain scalar code.
/// </summary>
public enum KernelPath
{
    Scalar,
    Vector,
    Vector512,
}

/// <summary>
/// Memory kernels over doubles. Bytes are counted the STREAM way: 8 bytes per element for each array named in the kernel
/// (read 1, write 1, copy 2, triad 3); the extra read a cache does to allocate a written line is not counted.
/// </summary>
public static unsafe class MemoryKernels
{
    /// <summary>The widest vector path this CPU runs natively: Vector512 where AVX-512 is accelerated, else the portable vector.</summary>
    public static KernelPath BestPath => Vector512.IsHardwareAccelerated ? KernelPath.Vector512 : KernelPath.Vector;

    /// <summary>Bits per vector register of a path.</summary>
    public static int VectorBits(KernelPath path) => path switch
    {
        KernelPath.Vector512 => 512,
        KernelPath.Vector => Vector<byte>.Count * 8,
        _ => 64,
    };

    public static int ArraysOf(MemoryKernel kernel) => kernel switch
    {
        MemoryKernel.Read or MemoryKernel.Write => 1,
        MemoryKernel.Copy => 2,
        _ => 3,
    };

    /// <summary>Bytes counted for one pass over <paramref name="elements"/> elements per array.</summary>
    public static long CountedBytes(MemoryKernel kernel, long elements) => ArraysOf(kernel) * elements * sizeof(double);

    /// <summary>Runs one pass; returns a value derived from the data so the work cannot be optimized away.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Run(MemoryKernel kernel, KernelPath path, double* a, double* b, double* c, long n, double scalar) => (kernel, path) switch
    {
        (MemoryKernel.Read, KernelPath.Vector512) => Read512(a, n),
        (MemoryKernel.Write, KernelPath.Vector512) => Write512(a, n, scalar),
        (MemoryKernel.Copy, KernelPath.Vector512) => Copy512(a, b, n),
        (MemoryKernel.Triad, KernelPath.Vector512) => Triad512(a, b, c, n, scalar),
        (MemoryKernel.Read, KernelPath.Vector) => ReadVector(a, n),
        (MemoryKernel.Read, _) => ReadScalar(a, n),
        (MemoryKernel.Write, KernelPath.Vector) => WriteVector(a, n, scalar),
        (MemoryKernel.Write, _) => WriteScalar(a, n, scalar),
        (MemoryKernel.Copy, KernelPath.Vector) => CopyVector(a, b, n),
        (MemoryKernel.Copy, _) => CopyScalar(a, b, n),
        (MemoryKernel.Triad, KernelPath.Vector) => TriadVector(a, b, c, n, scalar),
        _ => TriadScalar(a, b, c, n, scalar),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ReadVector(double* a, long n)
    {
        var w = Vector<double>.Count;
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            s0 += Vector.Load(a + i);
            s1 += Vector.Load(a + i + w);
            s2 += Vector.Load(a + i + (2 * w));
            s3 += Vector.Load(a + i + (3 * w));
        }

        var sum = Vector.Sum(s0 + s1 + s2 + s3);
        for (; i < n; i++)
        {
            sum += a[i];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ReadScalar(double* a, long n)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        long i = 0;
        for (; i <= n - 4; i += 4)
        {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }

        for (; i < n; i++)
        {
            s0 += a[i];
        }

        return s0 + s1 + s2 + s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double WriteVector(double* a, long n, double scalar)
    {
        var w = Vector<double>.Count;
        var v = new Vector<double>(scalar);
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            v.Store(a + i);
            v.Store(a + i + w);
            v.Store(a + i + (2 * w));
            v.Store(a + i + (3 * w));
        }

        for (; i < n; i++)
        {
            a[i] = scalar;
        }

        return a[n - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double WriteScalar(double* a, long n, double scalar)
    {
        for (long i = 0; i < n; i++)
        {
            a[i] = scalar;
        }

        return a[n - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double CopyVector(double* a, double* b, long n)
    {
        var w = Vector<double>.Count;
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            Vector.Load(b + i).Store(a + i);
            Vector.Load(b + i + w).Store(a + i + w);
            Vector.Load(b + i + (2 * w)).Store(a + i + (2 * w));
            Vector.Load(b + i + (3 * w)).Store(a + i + (3 * w));
        }

        for (; i < n; i++)
        {
            a[i] = b[i];
        }

        return a[n - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double CopyScalar(double* a, double* b, long n)
    {
        for (long i = 0; i < n; i++)
        {
            a[i] = b[i];
        }

        return a[n - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double TriadVector(double* a, double* b, double* c, long n, double scalar)
    {
        var w = Vector<double>.Count;
        var s = new Vector<double>(scalar);
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            (Vector.Load(b + i) + (s * Vector.Load(c + i))).Store(a + i);
            (Vector.Load(b + i + w) + (s * Vector.Load(c + i + w))).Store(a + i + w);
            (Vector.Load(b + i + (2 * w)) + (s * Vector.Load(c + i + (2 * w)))).Store(a + i + (2 * w));
            (Vector.Load(b + i + (3 * w)) + (s * Vector.Load(c + i + (3 * w)))).Store(a + i + (3 * w));
        }

        for (; i < n; i++)
        {
            a[i] = b[i] + (scalar * c[i]);
        }

        return a[n - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double TriadScalar(double* a, double* b, double* c, long n, double scalar)
    {
        for (long i = 0; i < n; i++)
        {
            a[i] = b[i] + (scalar * c[i]);
        }

        return a[n - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Read512(double* a, long n)
    {
        const int w = 8;
        Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            s0 += Vector512.Load(a + i);
            s1 += Vector512.Load(a + i + w);
            s2 += Vector512.Load(a + i + (2 * w));
            s3 += Vector512.Load(a + i + (3 * w));
        }

        var sum = Vector512.Sum(s0 + s1 + s2 + s3);
        for (; i < n; i++)
        {
            sum += a[i];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Write512(double* a, long n, double scalar)
    {
        const int w = 8;
        var v = Vector512.Create(scalar);
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            v.Store(a + i);
            v.Store(a + i + w);
            v.Store(a + i + (2 * w));
            v.Store(a + i + (3 * w));
        }

        for (; i < n; i++)
        {
            a[i] = scalar;
        }

        return a[n - 1];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Copy512(double* a, double* b, long n)
    {
        const int w = 8;
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            Vector512.Load(b + i).Store(a + i);
            Vector512.Load(b + i + w).Store(a + i + w);
            Vector512.Load(b + i + (2 * w)).Store(a + i + (2 * w));
            Vector512.Load(b + i + (3 * w)).Store(a + i + (3 * w));
        }

        for (; i < n; i++)
        {
            a[i] = b[i];
        }

        return a[n - 1];
    }

    /// <summary>Ordinary stores, as C STREAM compiled by GCC uses: a non-temporal store would skip the write-allocate read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Triad512(double* a, double* b, double* c, long n, double scalar)
    {
        const int w = 8;
        var s = Vector512.Create(scalar);
        long i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            (Vector512.Load(b + i) + (s * Vector512.Load(c + i))).Store(a + i);
            (Vector512.Load(b + i + w) + (s * Vector512.Load(c + i + w))).Store(a + i + w);
            (Vector512.Load(b + i + (2 * w)) + (s * Vector512.Load(c + i + (2 * w)))).Store(a + i + (2 * w));
            (Vector512.Load(b + i + (3 * w)) + (s * Vector512.Load(c + i + (3 * w)))).Store(a + i + (3 * w));
        }

        for (; i < n; i++)
        {
            a[i] = b[i] + (scalar * c[i]);
        }

        return a[n - 1];
    }
}
