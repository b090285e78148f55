using Spectre.Console;
using WorkingPoint.Cli.Commands;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Cli;

/// <summary>A command's options as a job's parameters (long option names without dashes), only those that carry a value.</summary>
internal sealed class JobParametersBuilder
{
    private readonly Dictionary<string, string> _parameters = new(StringComparer.Ordinal);

    public JobParametersBuilder Add(string name, double? value)
    {
        if (value is { } v)
        {
            _parameters[name] = BenchmarkJob.Invariant(v);
        }

        return this;
    }

    public JobParametersBuilder Add(string name, int? value)
    {
        if (value is { } v)
        {
            _parameters[name] = BenchmarkJob.Invariant(v);
        }

        return this;
    }

    public JobParametersBuilder Add(string name, string? value)
    {
        if (value is not null)
        {
            _parameters[name] = value;
        }

        return this;
    }

    /// <summary>A repeatable option's values as one comma-separated parameter (as --input itself takes them).</summary>
    public JobParametersBuilder Add(string name, IReadOnlyList<string> values) => values.Count == 0 ? this : Add(name, string.Join(",", values));

    public JobParametersBuilder Flag(string name, bool set)
    {
        if (set)
        {
            _parameters[name] = "true";
        }

        return this;
    }

    public IReadOnlyDictionary<string, string> Build() => _parameters;
}

/// <summary>A job's phases as progress bars on an interactive console (a phase may rename its bar as it goes); nothing otherwise.</summary>
internal sealed class ConsoleBenchmarkProgress(IAnsiConsole console) : IBenchmarkProgress
{
    public T Phase<T>(string name, Func<IProgress<BenchmarkProgress>?, T> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return work(null);
        }

        T result = default!;
        console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(name), maxValue: 1);
                var shown = name;
                result = work(new Progress<BenchmarkProgress>(p =>
                {
                    if (p.Phase != shown)
                    {
                        shown = p.Phase;
                        task.Description = Markup.Escape(p.Phase);
                    }

                    task.Value = p.Fraction;
                }));
                task.Value = 1;
            });
        return result;
    }
}

/// <summary>
/// The results database as a job's sink: opened (and checked) only when the runner says its inputs are good, after the command's
/// own checks (<paramref name="beforeOpening"/>: a plot path that cannot be written), as the commands always did.
/// </summary>
internal sealed class ResultsDatabaseSink(IAnsiConsole console, MeasureSettings settings, bool quiet, Action? beforeOpening = null) : IBenchmarkResultSink, IDisposable
{
    private ResultSaver? _saver;

    public void Open()
    {
        beforeOpening?.Invoke();
        _saver ??= ResultsText.Prepare(console, settings, quiet);
    }

    public void MeasurementStarts() => MeasurementHooks.Start();

    public void Save(MeasurementRecord record, RunStatus status = RunStatus.Complete) => Saver.Save(record, status);

    public void SavePart(MeasurementRecord record) => Saver.SavePart(record);

    public void FinishParts(RunStatus status) => Saver.FinishParts(status);

    public void ReportInterrupted(string whatWasKept) => _saver?.ReportInterrupted(whatWasKept);

    /// <summary>Called last: one clear error when a record could not go into the database (see <see cref="ResultSaver.ThrowIfUnsaved"/>).</summary>
    public void ThrowIfUnsaved() => _saver?.ThrowIfUnsaved();

    public void Dispose() => _saver?.Dispose();

    private ResultSaver Saver => _saver ?? throw new InvalidOperationException("A runner saved before opening its sink.");
}
