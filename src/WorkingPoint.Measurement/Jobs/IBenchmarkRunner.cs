using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Jobs;

/// <summary>
/// Runs one kind of <see cref="BenchmarkJob"/>: loads what the job names, measures, judges the run and hands each record to the
/// sink as it lands. The CLI and a lab agent run jobs through the same implementation, so a result means the same from both.
/// </summary>
public interface IBenchmarkRunner
{
    /// <summary>The kind of job this runner takes; a job of another kind is refused.</summary>
    BenchmarkJobKind Kind { get; }

    /// <summary>
    /// Runs <paramref name="job"/> (its parameters are validated first, see <see cref="BenchmarkJobParameters"/>). Stopped through
    /// <paramref name="cancellation"/>, the runner gives what finished to <paramref name="sink"/> marked interrupted, then throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    BenchmarkOutcome Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation);
}

/// <summary>
/// What a run gives its front end to print: the records handed to the sink (in order) and, in the derived type of each kind,
/// the measured result they were built from.
/// </summary>
public abstract record BenchmarkOutcome(IReadOnlyList<MeasurementRecord> Records);
