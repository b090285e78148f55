using System.Diagnostics;
using System.Globalization;

namespace WorkingPoint.Measurement.Scenarios;

/// <summary>
/// How long a cold process takes to its first result: from process start, from the start of the model load, and the first
/// inference alone, which pays for lazy allocation, kernel selection and cold caches; compared with the steady state it shows what
/// a product that starts on demand pays for its first answer.
/// </summary>
/// <param name="ProcessToFirstResultSeconds">From the process's start (as the OS records it) to the end of the first inference.</param>
/// <param name="LoadSeconds">Loading the model (session creation, graph optimisation) until it can infer.</param>
/// <param name="FirstInferenceSeconds">The first inference after the load.</param>
public sealed record ColdStart(double ProcessToFirstResultSeconds, double LoadSeconds, double FirstInferenceSeconds)
{
    /// <summary>From the start of the load to the first result.</summary>
    public double LoadToFirstResultSeconds => LoadSeconds + FirstInferenceSeconds;

    /// <summary>Times <paramref name="load"/> and then one <paramref name="infer"/> on what it returned.</summary>
    public static (T Loaded, ColdStart ColdStart) Measure<T>(Func<T> load, Action<T> infer)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(infer);
        var clock = Stopwatch.StartNew();
        var loaded = load();
        var loadSeconds = clock.Elapsed.TotalSeconds;
        infer(loaded);
        var firstSeconds = clock.Elapsed.TotalSeconds - loadSeconds;
        return (loaded, new ColdStart(ProcessAgeSeconds(), loadSeconds, firstSeconds));
    }

    /// <summary>How many times the steady-state latency the first inference took (1 = no cold-start cost).</summary>
    public double FirstVersusSteady(double steadySeconds) => steadySeconds > 0 ? FirstInferenceSeconds / steadySeconds : double.NaN;

    /// <summary>One line, e.g. "first result 0.91 s after process start, 0.12 s after the load began; first inference 8.1 ms, 3.2 × the steady p50".</summary>
    public string Describe(double steadySeconds) => string.Create(CultureInfo.InvariantCulture,
        $"first result {ProcessToFirstResultSeconds:0.###} s after process start, {LoadToFirstResultSeconds:0.###} s after the model load began (load {LoadSeconds * 1000:0.#} ms); first inference {FirstInferenceSeconds * 1000:0.###} ms, {FirstVersusSteady(steadySeconds):0.##} × the steady-state p50 ({steadySeconds * 1000:0.###} ms)");

    private static double ProcessAgeSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return (DateTime.Now - process.StartTime).TotalSeconds;
    }
}
