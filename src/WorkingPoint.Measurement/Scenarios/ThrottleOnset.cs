using System.Globalization;
using WorkingPoint.Core;
using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>
/// When a sustained run's throughput first fell more than <see cref="FallPercent"/> % below its level in the reference period —
/// the first minute, or for a run shorter than <see cref="FullRunForFirstMinute"/> its first tenth, so a run of seconds still
/// has a reference of several windows — the point at which a passively cooled board starts to throttle. Null onset: none
/// within the run.
/// </summary>
/// <param name="ReferenceSeconds">The reference period actually used: the end of the last window inside it (at least the first window).</param>
/// <param name="ReferenceScaled">The run was shorter than <see cref="FullRunForFirstMinute"/>, so the reference is its first tenth, not its first minute.</param>
/// <param name="ReferenceThroughput">Mean throughput over the reference period (windows weighted by their length).</param>
/// <param name="OnsetSeconds">Start of the first window after the reference period below the threshold; null when none fell.</param>
/// <param name="OnsetThroughput">That window's throughput.</param>
/// <param name="LastThroughput">The last window's throughput, for the overall change.</param>
/// <param name="NotMeasuredBecause">
/// Why the run cannot say whether throughput fell (nothing finished in the reference period, or no window with a figure after
/// it), with the fix; null when it can. Then <see cref="OnsetSeconds"/> null means "none within the run", never a guess.
/// </param>
public sealed record ThrottleOnset(double ReferenceSeconds, bool ReferenceScaled, double ReferenceThroughput, double? OnsetSeconds, double? OnsetThroughput, double LastThroughput, string? NotMeasuredBecause = null)
{
    /// <summary>Whether the run had both a reference level and a window after it to compare with it.</summary>
    public bool Measured => NotMeasuredBecause is null;

    /// <summary>The fall, in % of the reference level, that marks the onset (the issue's "more than 5 % below its first-minute level").</summary>
    public const double FallPercent = 5;

    /// <summary>The reference of a long run: its first minute.</summary>
    public static readonly TimeSpan FirstMinute = TimeSpan.FromMinutes(1);

    /// <summary>Runs at least this long are referenced to their first minute; shorter ones to their first tenth.</summary>
    public static readonly TimeSpan FullRunForFirstMinute = TimeSpan.FromMinutes(10);

    /// <summary>The throughput below which a window marks the onset.</summary>
    public double Threshold => ReferenceThroughput * (1 - (FallPercent / 100));

    /// <summary>The reference period for a run of <paramref name="runSeconds"/>: the first minute, or the first tenth of a shorter run.</summary>
    public static double ReferencePeriodFor(double runSeconds) =>
        runSeconds >= FullRunForFirstMinute.TotalSeconds ? FirstMinute.TotalSeconds : runSeconds / 10;

    /// <summary>
    /// Finds the onset in <paramref name="windows"/> (consecutive throughput windows in run order, each with its end time, as
    /// <see cref="ThroughputWindows"/> gives them) of a run of <paramref name="runSeconds"/>. A window whose figure is NaN (nothing
    /// finished in it: an idle phase of a duty cycle, a gap between requests) is skipped. A run with no figure in its reference
    /// period, or none after it, is marked not measured (<see cref="NotMeasuredBecause"/>) rather than given an onset or "none".
    /// </summary>
    public static ThrottleOnset Detect(IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> windows, double runSeconds)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0 || !(runSeconds > 0))
        {
            throw new InvalidInputException($"A sustained run needs at least one throughput window and a length above 0 s (got {windows.Count} windows, {runSeconds.ToString(CultureInfo.InvariantCulture)} s).");
        }

        var period = ReferencePeriodFor(runSeconds);
        var scaled = runSeconds < FullRunForFirstMinute.TotalSeconds;
        // The windows that end inside the reference period, and always the first one (a window longer than the period is the reference itself).
        var inside = Math.Max(1, windows.TakeWhile(w => w.WindowEndSeconds <= period + 1e-9).Count());
        var referenceEnd = windows[inside - 1].WindowEndSeconds;
        double weighted = 0, covered = 0;
        for (var i = 0; i < inside; i++)
        {
            if (double.IsNaN(windows[i].SamplesPerSecond))
            {
                continue;
            }

            var width = windows[i].WindowEndSeconds - (i == 0 ? 0 : windows[i - 1].WindowEndSeconds);
            weighted += windows[i].SamplesPerSecond * width;
            covered += width;
        }

        var withFigure = windows.Where(w => !double.IsNaN(w.SamplesPerSecond)).ToArray();
        var last = withFigure.Length > 0 ? withFigure[^1].SamplesPerSecond : double.NaN;
        if (!windows.Take(inside).Any(w => !double.IsNaN(w.SamplesPerSecond)))
        {
            return new ThrottleOnset(referenceEnd, scaled, double.NaN, null, null, last,
                $"nothing finished in the reference period (the first {Seconds(referenceEnd)} of the {Seconds(runSeconds)} run), so there is no level to fall from; run longer or pass a longer --window");
        }

        var reference = covered > 0 ? weighted / covered : windows.Take(inside).First(w => !double.IsNaN(w.SamplesPerSecond)).SamplesPerSecond;
        if (!windows.Skip(inside).Any(w => !double.IsNaN(w.SamplesPerSecond)))
        {
            return new ThrottleOnset(referenceEnd, scaled, reference, null, null, last,
                $"the {Seconds(runSeconds)} run has no window with a figure after its reference period (the first {Seconds(referenceEnd)}) to compare with it; run longer or pass a shorter --window");
        }

        var threshold = reference * (1 - (FallPercent / 100));
        double? onset = null, onsetThroughput = null;
        for (var i = inside; i < windows.Count; i++)
        {
            if (windows[i].SamplesPerSecond < threshold)
            {
                // The window's start: the end of the one before it, whether or not that one had a figure.
                onset = windows[i - 1].WindowEndSeconds;
                onsetThroughput = windows[i].SamplesPerSecond;
                break;
            }
        }

        return new ThrottleOnset(referenceEnd, scaled, reference, onset, onsetThroughput, last);
    }

    /// <summary>
    /// A sensor's reading nearest <paramref name="seconds"/> into the run: the hottest temperature sensor, or the first clock
    /// (cpufreq's mean over the CPUs); null when this machine exposes none.
    /// </summary>
    public static double? SensorAt(TelemetryCapture telemetry, TelemetryQuantity quantity, double seconds)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        var readings = telemetry.Series.Where(s => s.Quantity == quantity && s.Values.Count > 0 && s.SecondsFromStart.Count == s.Values.Count)
            .Select(s => s.Values[Nearest(s.SecondsFromStart, seconds)]).ToArray();
        return readings.Length == 0 ? null : quantity == TelemetryQuantity.Temperature ? readings.Max() : readings[0];
    }

    private static int Nearest(IReadOnlyList<double> times, double seconds)
    {
        var best = 0;
        for (var i = 1; i < times.Count; i++)
        {
            if (Math.Abs(times[i] - seconds) < Math.Abs(times[best] - seconds))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>What a sensor reading reads as where the machine does not expose it.</summary>
    public const string NotReadable = "not readable on this machine";

    /// <summary>
    /// One line: the reference (and how it was scaled), then the onset with the temperature and clock at it (and at the start),
    /// or "none within the run"; or "not measured" with the reason and the fix.
    /// </summary>
    public string Describe(TelemetryCapture telemetry, string unit)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        if (NotMeasuredBecause is { } reason)
        {
            return $"not measured: {reason}";
        }

        var reference = ReferenceScaled
            ? $"the first {Seconds(ReferenceSeconds)} (a tenth of the run, as it is shorter than {FullRunForFirstMinute.TotalMinutes:0} minutes; a longer run uses its first minute)"
            : $"the first {Seconds(ReferenceSeconds)}";
        var level = string.Create(CultureInfo.InvariantCulture, $"{ReferenceThroughput:0.##} {unit} in {reference}");
        if (OnsetSeconds is not { } onset)
        {
            return string.Create(CultureInfo.InvariantCulture, $"none within the run: no window fell more than {FallPercent:0} % below {level}; the last window ran at {LastThroughput:0.##} {unit} ({(LastThroughput / ReferenceThroughput - 1) * 100:+0.#;-0.#;0} %)");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{Seconds(onset)} into the run: {OnsetThroughput:0.##} {unit}, {(OnsetThroughput!.Value / ReferenceThroughput - 1) * 100:+0.#;-0.#} % against {level}; {Sensors(telemetry, onset)}");
    }

    /// <summary>Temperature and clock at the start and at <paramref name="onset"/>, or what cannot be read.</summary>
    public static string Sensors(TelemetryCapture telemetry, double onset)
    {
        string Reading(TelemetryQuantity quantity, string name, string format, string unit)
        {
            var start = SensorAt(telemetry, quantity, 0);
            var at = SensorAt(telemetry, quantity, onset);
            return start is null || at is null
                ? $"{name} {NotReadable}"
                : string.Create(CultureInfo.InvariantCulture, $"{name} {start.Value.ToString(format, CultureInfo.InvariantCulture)} → {at.Value.ToString(format, CultureInfo.InvariantCulture)} {unit}");
        }

        return $"{Reading(TelemetryQuantity.Temperature, "CPU temperature", "0.#", "°C")}, {Reading(TelemetryQuantity.ClockFrequency, "clock", "0", "MHz")} (start → onset)";
    }

    private static string Seconds(double seconds) => seconds >= 120
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.##} min")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.##} s");
}
