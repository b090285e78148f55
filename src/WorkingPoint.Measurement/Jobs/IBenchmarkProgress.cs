namespace WorkingPoint.Measurement.Jobs;

/// <summary>How far a phase of a job is: its name (a phase may name its current stage) and the fraction done, 0 to 1.</summary>
public readonly record struct BenchmarkProgress(string Phase, double Fraction);

/// <summary>
/// Where a running job says how far it is: the CLI draws a progress bar per phase, an agent logs or uploads the fractions.
/// A phase is a scope (a progress bar lives as long as its work), so the work runs inside <see cref="Phase{T}"/>.
/// </summary>
public interface IBenchmarkProgress
{
    /// <summary>
    /// Runs <paramref name="work"/> as the phase <paramref name="name"/>. The work reports through the reporter it is given, which is
    /// null when nobody watches (then the work skips the bookkeeping).
    /// </summary>
    T Phase<T>(string name, Func<IProgress<BenchmarkProgress>?, T> work);
}

/// <summary>Progress nobody watches: every phase runs without a reporter.</summary>
public sealed class SilentBenchmarkProgress : IBenchmarkProgress
{
    public static readonly SilentBenchmarkProgress Instance = new();

    public T Phase<T>(string name, Func<IProgress<BenchmarkProgress>?, T> work) => work(null);
}

public static class BenchmarkProgressExtensions
{
    /// <summary>A phase whose work reports bare fractions (most measuring loops do), under the phase's own name.</summary>
    public static T Phase<T>(this IBenchmarkProgress progress, string name, Func<IProgress<double>?, T> work) =>
        progress.Phase<T>(name, (IProgress<BenchmarkProgress>? reporter) => work(reporter is null ? null : new FractionReporter(reporter, name)));

    private sealed class FractionReporter(IProgress<BenchmarkProgress> reporter, string phase) : IProgress<double>
    {
        public void Report(double value) => reporter.Report(new BenchmarkProgress(phase, value));
    }
}
