using WorkingPoint.Core;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Measurement.Scenarios;
using WorkingPoint.Measurement.Telemetry;
using WorkingPoint.Results;

namespace WorkingPoint.Runner;

/// <summary>
/// A check of a model file before it is loaded in this process (the CLI trial-loads a user's GGUF file in a child process, so a
/// llama.cpp abort is refused with one line); a catalog id or a file it trusts passes.
/// </summary>
public delegate void ModelLoadCheck(string model, CancellationToken cancellation);

/// <summary>Resolves the platform a run predicts with ('host' measured first when it never was); the CLI says so on its console.</summary>
public delegate WorkingPoint.Core.Hardware.Platform PlatformResolver(string platform, CancellationToken cancellation);

internal static class RunnerSupport
{
    /// <summary>A runner given a job of another kind: a front end's mistake, said in one line.</summary>
    public static JobParameterValues Validate(BenchmarkJob job, BenchmarkJobKind kind) =>
        job.Kind == kind
            ? BenchmarkJobParameters.Validate(job)
            : throw new InvalidInputException($"A {BenchmarkJob.NameOf(job.Kind)} job cannot run on the {BenchmarkJob.NameOf(kind)} runner; pick the runner by the job's kind (BenchmarkRunners.For).");

    public static ShowProgressAdapter Show(IBenchmarkProgress progress) => new(progress);

    /// <summary>
    /// The run rules of a run that drives its workloads at the rates it was asked for (bench usecase, bench mix): the minimum
    /// duration (10 s), at least one finished unit (frame, token, request) per series, and each series' variation across its units
    /// as a warning; no percentile early stopping, since the rates are the workloads', not the harness's. The other processes' load
    /// sampled during the run is added to the verdict.
    /// </summary>
    /// <param name="series">Each series' name and its units' times in run order (frame latencies, token times, times to first token).</param>
    /// <param name="durationSeconds">The timed run (for a run in phases, its shortest phase).</param>
    public static RunVerdict JudgeRatedRun(IReadOnlyList<(string Name, IReadOnlyList<double> Units)> series, double durationSeconds, bool interrupted, CpuContention? load) =>
        RunJudge.JudgeRepetitions(series, durationSeconds, new RunRules { MinQueryCount = 1, TargetPercentile = null }, quick: false, interrupted).WithContention(load);

    /// <summary>The other processes' load and the steal time during a run, as a record's metrics (none where /proc is not readable).</summary>
    public static IEnumerable<Metric> ContentionMetrics(CpuContention? load) => load is null
        ? []
        : [new Metric("cpu.other-processes", load.OtherCoresDuring, "cores"), new Metric("cpu.steal", load.StealPercentDuring, "%")];

    /// <summary>Long library steps (synthesizing a model) as phases of the job's progress.</summary>
    public sealed class ShowProgressAdapter(IBenchmarkProgress progress)
    {
        public void Run(string description, Action<IProgress<double>?> work) => progress.Phase<object?>(description, (IProgress<double>? p) =>
        {
            work(p);
            return null;
        });
    }
}

/// <summary>The sensors a run could not read, as a record's notes.</summary>
public static class TelemetryNotes
{
    public const string PowerKey = "power (mean)";
    public const string TemperatureKey = "temperature (max)";
    public const string ClockKey = "clock (mean)";

    /// <summary>One line per sensor quantity this machine does not expose; null when every one was read.</summary>
    public static string? Of(TelemetryCapture telemetry)
    {
        var missing = new List<string>();
        if (telemetry.MeanTotalPower is null)
        {
            missing.Add($"{PowerKey}: {TelemetryCapture.NotMeasurable}");
        }

        if (!telemetry.Has(TelemetryQuantity.Temperature))
        {
            missing.Add($"{TemperatureKey}: {TelemetryCapture.NotMeasurable}");
        }

        if (!telemetry.Has(TelemetryQuantity.ClockFrequency))
        {
            missing.Add($"{ClockKey}: {TelemetryCapture.NotMeasurable}");
        }

        return missing.Count == 0 ? null : string.Join('\n', missing);
    }
}
