using System.Globalization;

namespace WorkingPoint.Core.Units;

// Quantities are thin wrappers over double: free at run time, and a Bytes can never be passed where BytesPerSecond is meant.
// Only the conversions that keep the unit right are defined (bytes / bandwidth = seconds, and so on).

/// <summary>An amount of data in bytes.</summary>
public readonly record struct Bytes(double Value) : IComparable<Bytes>
{
    public static readonly Bytes Zero = new(0);
    public static Bytes FromKiB(double kib) => new(kib * 1024);
    public static Bytes FromMiB(double mib) => new(mib * 1024 * 1024);
    public static Bytes FromGiB(double gib) => new(gib * 1024 * 1024 * 1024);
    public static Bytes FromGB(double gb) => new(gb * 1e9);
    public double GiB => Value / (1024.0 * 1024 * 1024);
    public double MiB => Value / (1024.0 * 1024);
    public double GB => Value / 1e9;
    public double MB => Value / 1e6;
    public static Bytes operator +(Bytes a, Bytes b) => new(a.Value + b.Value);
    public static Bytes operator -(Bytes a, Bytes b) => new(a.Value - b.Value);
    public static Bytes operator *(Bytes a, double k) => new(a.Value * k);
    public static Bytes operator *(double k, Bytes a) => new(a.Value * k);
    public static Seconds operator /(Bytes a, BytesPerSecond rate) => new(a.Value / rate.Value);
    public static bool operator <(Bytes a, Bytes b) => a.Value < b.Value;
    public static bool operator >(Bytes a, Bytes b) => a.Value > b.Value;
    public static bool operator <=(Bytes a, Bytes b) => a.Value <= b.Value;
    public static bool operator >=(Bytes a, Bytes b) => a.Value >= b.Value;
    public int CompareTo(Bytes other) => Value.CompareTo(other.Value);
    public override string ToString() => Value >= 1024.0 * 1024 * 1024 ? $"{GiB:0.##} GiB" : Value >= 1024 * 1024 ? $"{MiB:0.##} MiB" : $"{Value / 1024:0.##} KiB";
}

/// <summary>A data rate in bytes per second.</summary>
public readonly record struct BytesPerSecond(double Value) : IComparable<BytesPerSecond>
{
    public static BytesPerSecond FromGBps(double gbPerSecond) => new(gbPerSecond * 1e9);
    public double GBps => Value / 1e9;
    public static BytesPerSecond operator *(BytesPerSecond a, double k) => new(a.Value * k);
    public static BytesPerSecond operator *(double k, BytesPerSecond a) => new(a.Value * k);
    public static Bytes operator *(BytesPerSecond a, Seconds t) => new(a.Value * t.Value);
    public static bool operator <(BytesPerSecond a, BytesPerSecond b) => a.Value < b.Value;
    public static bool operator >(BytesPerSecond a, BytesPerSecond b) => a.Value > b.Value;
    public static bool operator <=(BytesPerSecond a, BytesPerSecond b) => a.Value <= b.Value;
    public static bool operator >=(BytesPerSecond a, BytesPerSecond b) => a.Value >= b.Value;
    public int CompareTo(BytesPerSecond other) => Value.CompareTo(other.Value);
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{GBps:0.##} GB/s");
}

/// <summary>A count of arithmetic operations (a multiply-accumulate counts as two).</summary>
public readonly record struct Ops(double Value) : IComparable<Ops>
{
    public static readonly Ops Zero = new(0);
    public static Ops FromMacs(double macs) => new(2 * macs);
    public double Giga => Value / 1e9;
    public static Ops operator +(Ops a, Ops b) => new(a.Value + b.Value);
    public static Ops operator *(Ops a, double k) => new(a.Value * k);
    public static Ops operator *(double k, Ops a) => new(a.Value * k);
    public static Seconds operator /(Ops a, OpsPerSecond rate) => new(a.Value / rate.Value);
    public static OpsPerByte operator /(Ops a, Bytes b) => new(a.Value / b.Value);
    public int CompareTo(Ops other) => Value.CompareTo(other.Value);
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Giga:0.###} GOP");
}

/// <summary>A compute rate in operations per second (TOPS = 1e12).</summary>
public readonly record struct OpsPerSecond(double Value) : IComparable<OpsPerSecond>
{
    public static OpsPerSecond FromTops(double tops) => new(tops * 1e12);
    public double Tops => Value / 1e12;
    public static OpsPerSecond operator *(OpsPerSecond a, double k) => new(a.Value * k);
    public static OpsPerSecond operator *(double k, OpsPerSecond a) => new(a.Value * k);
    public static bool operator <(OpsPerSecond a, OpsPerSecond b) => a.Value < b.Value;
    public static bool operator >(OpsPerSecond a, OpsPerSecond b) => a.Value > b.Value;
    public static bool operator <=(OpsPerSecond a, OpsPerSecond b) => a.Value <= b.Value;
    public static bool operator >=(OpsPerSecond a, OpsPerSecond b) => a.Value >= b.Value;
    public int CompareTo(OpsPerSecond other) => Value.CompareTo(other.Value);
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Tops:0.###} TOPS");
}

/// <summary>Operational (arithmetic) intensity: operations per byte moved.</summary>
public readonly record struct OpsPerByte(double Value)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value:0.##} op/B");
}

/// <summary>A duration in seconds.</summary>
public readonly record struct Seconds(double Value) : IComparable<Seconds>
{
    public static readonly Seconds Zero = new(0);
    public static Seconds FromMilliseconds(double ms) => new(ms / 1000);
    public double Milliseconds => Value * 1000;
    public static Seconds operator +(Seconds a, Seconds b) => new(a.Value + b.Value);
    public static Seconds operator -(Seconds a, Seconds b) => new(a.Value - b.Value);
    public static Seconds operator *(Seconds a, double k) => new(a.Value * k);
    public static Seconds operator *(double k, Seconds a) => new(a.Value * k);
    public static Seconds operator /(Seconds a, double k) => new(a.Value / k);
    public static bool operator <(Seconds a, Seconds b) => a.Value < b.Value;
    public static bool operator >(Seconds a, Seconds b) => a.Value > b.Value;
    public static bool operator <=(Seconds a, Seconds b) => a.Value <= b.Value;
    public static bool operator >=(Seconds a, Seconds b) => a.Value >= b.Value;
    public static Seconds Max(Seconds a, Seconds b) => a.Value >= b.Value ? a : b;
    public int CompareTo(Seconds other) => Value.CompareTo(other.Value);
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds:0.###} ms");
}

/// <summary>Power in watts.</summary>
public readonly record struct Watts(double Value) : IComparable<Watts>
{
    public static Joules operator *(Watts p, Seconds t) => new(p.Value * t.Value);
    public static Watts operator +(Watts a, Watts b) => new(a.Value + b.Value);
    public static Watts operator -(Watts a, Watts b) => new(a.Value - b.Value);
    public static bool operator <(Watts a, Watts b) => a.Value < b.Value;
    public static bool operator >(Watts a, Watts b) => a.Value > b.Value;
    public static bool operator <=(Watts a, Watts b) => a.Value <= b.Value;
    public static bool operator >=(Watts a, Watts b) => a.Value >= b.Value;
    public int CompareTo(Watts other) => Value.CompareTo(other.Value);
    public override string ToString() => PowerText.Watts(Value);
}

/// <summary>Energy in joules.</summary>
public readonly record struct Joules(double Value) : IComparable<Joules>
{
    public static readonly Joules Zero = new(0);
    public static Joules FromPicojoules(double pj) => new(pj * 1e-12);
    public static Joules operator +(Joules a, Joules b) => new(a.Value + b.Value);
    public static Joules operator *(Joules a, double k) => new(a.Value * k);
    public static Watts operator /(Joules e, Seconds t) => new(e.Value / t.Value);
    public static Seconds operator /(Joules e, Watts p) => new(e.Value / p.Value);
    public int CompareTo(Joules other) => Value.CompareTo(other.Value);
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Value * 1000:0.###} mJ");
}

/// <summary>Energy per byte moved, in picojoules.</summary>
public readonly record struct PicojoulesPerByte(double Value)
{
    public static PicojoulesPerByte FromPicojoulesPerBit(double pjPerBit) => new(pjPerBit * 8);
    public static Joules operator *(PicojoulesPerByte e, Bytes b) => Joules.FromPicojoules(e.Value * b.Value);
}

/// <summary>Energy per arithmetic operation, in picojoules.</summary>
public readonly record struct PicojoulesPerOp(double Value)
{
    public static Joules operator *(PicojoulesPerOp e, Ops o) => Joules.FromPicojoules(e.Value * o.Value);
}

/// <summary>A price in US dollars.</summary>
public readonly record struct UsDollars(double Value)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"${Value:0.##}");
}
