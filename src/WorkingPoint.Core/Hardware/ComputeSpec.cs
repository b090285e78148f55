using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Hardware;

/// <summary>How a vendor's peak figure was quoted.</summary>
public enum Sparsity
{
    Dense,

    /// <summary>2:4 structured sparsity doubles the headline; the dense rate is half of it.</summary>
    Structured2To4,
}

/// <summary>A peak compute figure as published, with the precision and sparsity it was quoted at.</summary>
public sealed record ComputePeak(Precision Precision, OpsPerSecond Quoted, Sparsity QuotedAs)
{
    /// <summary>The dense rate: sparse headlines never count as dense.</summary>
    public OpsPerSecond Dense => QuotedAs == Sparsity.Structured2To4 ? Quoted * 0.5 : Quoted;
}

/// <summary>The peak compute rates of a processor, one per precision it supports.</summary>
public sealed class ComputeSpec
{
    private readonly OpsPerSecond[] _denseByPrecision = new OpsPerSecond[PrecisionExtensions.Count];
    private readonly Precision[] _executedAs = new Precision[PrecisionExtensions.Count];

    public ComputeSpec(IReadOnlyList<ComputePeak> peaks)
    {
        Peaks = peaks;
        foreach (var peak in peaks)
        {
            _denseByPrecision[(int)peak.Precision] = peak.Dense;
        }

        // A format the hardware lacks runs at the next wider precision it has (weight-only quantization dequantizes). tf32 is
        // a math mode, not a format: only a request for it (a runtime that executes fp32 as tf32) lands there, so fp32 and
        // bf16 keep the unit's plain rates.
        for (var requested = 0; requested < PrecisionExtensions.Count; requested++)
        {
            _executedAs[requested] = (Precision)requested;
            var found = false;
            for (var wider = requested; wider < PrecisionExtensions.Count && !found; wider++)
            {
                if (_denseByPrecision[wider].Value > 0 && Reachable(requested, wider))
                {
                    _executedAs[requested] = (Precision)wider;
                    found = true;
                }
            }

            if (!found)
            {
                for (var narrower = requested - 1; narrower >= 0 && !found; narrower--)
                {
                    if (_denseByPrecision[narrower].Value > 0 && Reachable(requested, narrower))
                    {
                        _executedAs[requested] = (Precision)narrower;
                        found = true;
                    }
                }
            }
        }
    }

    public IReadOnlyList<ComputePeak> Peaks { get; }

    private static bool Reachable(int requested, int candidate) => candidate != (int)Precision.Tf32 || requested == (int)Precision.Tf32;

    /// <summary>The precision a request for <paramref name="requested"/> actually executes at on this hardware.</summary>
    public Precision ExecutedPrecision(Precision requested) => _executedAs[(int)requested];

    /// <summary>Dense peak rate for the precision that <paramref name="requested"/> executes at; zero if the part has no compute figure at all.</summary>
    public OpsPerSecond DensePeak(Precision requested) => _denseByPrecision[(int)_executedAs[(int)requested]];

    public bool HasAnyPeak => Peaks.Count > 0;
}
