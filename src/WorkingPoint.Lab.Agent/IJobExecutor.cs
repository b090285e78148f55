using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Agent;

/// <summary>
/// What the agent runs its jobs through: "run this job, say how far it is, hand over its records". The benchmark runners sit behind
/// this (one adapter), so the agent's loop is tested with a fake.
/// </summary>
public interface IJobExecutor
{
    /// <summary>The job kinds this executor can run (reported to the server at registration).</summary>
    IReadOnlyList<BenchmarkJobKind> Kinds { get; }

    /// <summary>The runtimes it runs jobs through, by name, with their versions (e.g. "onnxruntime" → "1.23.2"); empty when unknown.</summary>
    IReadOnlyDictionary<string, string> RuntimeVersions { get; }

    /// <summary>
    /// Runs <paramref name="job"/>, handing each record to <paramref name="records"/> as soon as it exists. Stopped through
    /// <paramref name="cancellation"/>, it hands over what finished marked <see cref="RunStatus.Interrupted"/>, then throws
    /// <see cref="OperationCanceledException"/> (or returns). A job that cannot run as given throws a
    /// <see cref="WorkingPoint.Core.WorkingPointException"/> whose message is the one line the job fails with.
    /// </summary>
    Task RunAsync(BenchmarkJob job, IJobRecordSink records, IProgress<string> progress, CancellationToken cancellation);
}

/// <summary>Where an executor puts a job's records: the agent's outbox, saved at once, so a crash later loses nothing that finished.</summary>
public interface IJobRecordSink
{
    /// <summary>A whole run with its status.</summary>
    void Save(MeasurementRecord record, RunStatus status = RunStatus.Complete);

    /// <summary>One part of a run saved in parts: stored at once, incomplete until <see cref="FinishParts"/>.</summary>
    void SavePart(MeasurementRecord record);

    /// <summary>Marks every part saved so far complete (the last part landed) or interrupted.</summary>
    void FinishParts(RunStatus status);
}
