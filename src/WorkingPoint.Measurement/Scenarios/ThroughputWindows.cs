namespace WorkingPoint.Measurement.Scenarios;

/// <summary>
/// A sustained run cut into consecutive windows of equal width (the last one partial), each with one figure of the units that
/// finished in it: the rate a benchmark completed samples or tokens at, or a figure of their latencies. What every bench
/// command's <c>--sustained</c> hands to <see cref="ThrottleOnset.Detect"/>.
/// </summary>
public static class ThroughputWindows
{
    /// <summary>The window of a sustained run when none is asked for: the run split in 30, at least 0.5 s.</summary>
    public static TimeSpan DefaultFor(double runSeconds) => TimeSpan.FromSeconds(Math.Max(runSeconds / 30, 0.5));

    /// <summary>Units finished per second in each window (0 where none finished).</summary>
    /// <param name="completions">When each unit finished (seconds from the start of the run) and how many samples or tokens it counts.</param>
    public static IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> Rate(IEnumerable<(double CompletedAtSeconds, double Units)> completions, double runSeconds, TimeSpan window) =>
        Of(completions, runSeconds, window, (units, widthSeconds) => units.Sum() / widthSeconds);

    /// <summary>
    /// <paramref name="figure"/> of the units that finished in each window, given them and the window's width in seconds (the
    /// last window's is the time it actually covered); a unit finishing after the run ends counts in the last window.
    /// </summary>
    public static IReadOnlyList<(double WindowEndSeconds, double SamplesPerSecond)> Of<TUnit>(IEnumerable<(double CompletedAtSeconds, TUnit Unit)> completions, double runSeconds, TimeSpan window, Func<IReadOnlyList<TUnit>, double, double> figure)
    {
        ArgumentNullException.ThrowIfNull(completions);
        ArgumentNullException.ThrowIfNull(figure);
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), "A throughput window must be positive.");
        }

        var width = window.TotalSeconds;
        // A last window under 0.1 % of a window (rounding, TimeSpan ticks) is merged into the one before, whose rate would otherwise spike.
        var count = Math.Max(1, (int)Math.Ceiling((runSeconds / width) - 1e-3));
        var units = Enumerable.Range(0, count).Select(_ => new List<TUnit>()).ToArray();
        foreach (var (completedAt, unit) in completions)
        {
            units[Math.Clamp((int)(completedAt / width), 0, count - 1)].Add(unit);
        }

        // The last window may be partial; its figure is over the time it actually covered.
        return units.Select((inWindow, i) =>
        {
            var end = Math.Min(runSeconds, (i + 1) * width);
            return (end, figure(inWindow, Math.Max(end - (i * width), 1e-9)));
        }).ToArray();
    }
}
