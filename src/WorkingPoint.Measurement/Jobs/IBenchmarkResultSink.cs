using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Jobs;

/// <summary>
/// Where a runner puts its records (the CLI's results database, an agent's local store): each record is handed over as soon as
/// it exists, so a crash or a Ctrl-C later loses nothing that finished.
/// </summary>
public interface IBenchmarkResultSink
{
    /// <summary>
    /// Called once the job's inputs are checked and before anything slow (synthesizing, loading, measuring): a store that cannot
    /// take the result refuses here, before any time is spent.
    /// </summary>
    void Open();

    /// <summary>Called once the models are loaded, just before the timed work starts.</summary>
    void MeasurementStarts();

    /// <summary>A whole run with its status (complete, or interrupted when stopped).</summary>
    void Save(MeasurementRecord record, RunStatus status = RunStatus.Complete);

    /// <summary>One part of a run saved in parts (one per scenario): stored at once, marked incomplete until <see cref="FinishParts"/>.</summary>
    void SavePart(MeasurementRecord record);

    /// <summary>Marks every part of the run complete (the last part landed) or interrupted.</summary>
    void FinishParts(RunStatus status);

    /// <summary>The run was stopped; <paramref name="whatWasKept"/> says what finished and was saved as interrupted.</summary>
    void ReportInterrupted(string whatWasKept);
}

/// <summary>A sink that keeps the records in memory with their final status (tests, a front end that saves later).</summary>
public sealed class CollectingResultSink : IBenchmarkResultSink
{
    private readonly List<MeasurementRecord> _records = [];
    private readonly List<int> _openParts = [];

    public bool Opened { get; private set; }

    public bool Started { get; private set; }

    public string? Interrupted { get; private set; }

    /// <summary>The records as saved, each with its current status (parts marked once their run finished).</summary>
    public IReadOnlyList<MeasurementRecord> Records => _records;

    public void Open() => Opened = true;

    public void MeasurementStarts() => Started = true;

    public void Save(MeasurementRecord record, RunStatus status = RunStatus.Complete) => _records.Add(record with { Status = status });

    public void SavePart(MeasurementRecord record)
    {
        _openParts.Add(_records.Count);
        _records.Add(record with { Status = RunStatus.Incomplete });
    }

    public void FinishParts(RunStatus status)
    {
        foreach (var index in _openParts)
        {
            _records[index] = _records[index] with { Status = status };
        }

        _openParts.Clear();
    }

    public void ReportInterrupted(string whatWasKept) => Interrupted = whatWasKept;
}
