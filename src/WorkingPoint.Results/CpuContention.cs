using System.Globalization;

namespace WorkingPoint.Results;

/// <summary>
/// How busy the machine was with work that is not ours over an interval: the CPU other processes used, in cores (1.0 = one core's
/// worth the whole time), and the share of CPU time a hypervisor stole. Above <see cref="OtherCoresThreshold"/> or
/// <see cref="StealPercentThreshold"/> the run is contended.
/// </summary>
/// <param name="OtherCoresBefore">Other processes' CPU in the interval just before the run, cores; null when not sampled.</param>
/// <param name="OtherCoresDuring">Other processes' CPU during the run, cores.</param>
/// <param name="StealPercentDuring">Steal time during the run, % of all CPU time.</param>
/// <param name="OwnCoresDuring">Our own process's CPU during the run, cores, for scale.</param>
public sealed record CpuContention(double? OtherCoresBefore, double OtherCoresDuring, double StealPercentDuring, double OwnCoresDuring)
{
    /// <summary>
    /// A quarter of one core. An idle Linux desktop or server uses a few % of a core (daemons, the terminal); a quarter of a core
    /// is a real program running — a build, a browser tab, another benchmark — which on a small edge CPU (2–6 cores) takes a
    /// visible share of the cores, caches and memory bandwidth the measured model needs (this machine's `bench mix` gave 16 tok/s
    /// with other builds running and 67 tok/s quiet).
    /// </summary>
    public const double OtherCoresThreshold = 0.25;

    /// <summary>Steal above 5 % of CPU time: the hypervisor is giving this VM's CPUs to other guests often enough to bias timings.</summary>
    public const double StealPercentThreshold = 5;

    /// <summary>What a record says where the counters cannot be read.</summary>
    public const string NotMeasurable = "not measurable on this machine";

    public bool Contended => OtherCoresDuring > OtherCoresThreshold || StealPercentDuring > StealPercentThreshold || OtherCoresBefore > OtherCoresThreshold;

    /// <summary>The warning line for a contended run; null for one that was not (a saved or printed record never says "contended" of a quiet run).</summary>
    public string? Warning => !Contended ? null : string.Create(CultureInfo.InvariantCulture,
        $"contended: other processes used {OtherCoresDuring:0.00} cores during the run{(OtherCoresBefore is { } before ? $" ({before:0.00} before it)" : string.Empty)}, steal {StealPercentDuring:0.#} % (thresholds {OtherCoresThreshold:0.00} cores, {StealPercentThreshold:0.#} % steal); the figures are lower than this machine gives when quiet");

    /// <summary>One line of figures, e.g. "other processes 0.03 cores (0.01 before), steal 0 %, wpt 1.98 cores".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"other processes {OtherCoresDuring:0.00} cores{(OtherCoresBefore is { } before ? $" ({before:0.00} before the run)" : string.Empty)}, steal {StealPercentDuring:0.#} %, wpt {OwnCoresDuring:0.00} cores");
}
