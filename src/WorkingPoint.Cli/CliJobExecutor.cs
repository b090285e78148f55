using System.Text.RegularExpressions;
using WorkingPoint.Core;
using WorkingPoint.Lab.Agent;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Measurement.LlamaCpp;
using WorkingPoint.Measurement.OnnxRuntime;
using WorkingPoint.Results;
using WorkingPoint.Results.Sqlite;

namespace WorkingPoint.Cli;

/// <summary>
/// Runs an agent's jobs through wpt's own measuring commands, in this process: a job is the command line the CLI would take
/// (<c>bench onnx MODEL --scenario S --duration 10</c>; parameters are the options by their long name), so a result from a board
/// means exactly what the same command gives at a desk. Each job's command saves into its own database in the state directory;
/// its records are then handed to the agent's outbox, and the job's database removed. A job database a crash left behind is
/// handed over when the agent starts again (<see cref="RecoverLeftovers"/>).
/// </summary>
internal sealed partial class CliJobExecutor(WorkingPoint.Catalog.Catalog catalog, string stateDirectory) : IJobExecutor
{
    public IReadOnlyList<BenchmarkJobKind> Kinds { get; } = Enum.GetValues<BenchmarkJobKind>();

    public IReadOnlyDictionary<string, string> RuntimeVersions { get; } = FindRuntimes();

    private string JobsDirectory => Path.Combine(stateDirectory, "jobs");

    /// <summary>The command line a job runs as.</summary>
    public static IReadOnlyList<string> CommandLineOf(BenchmarkJob job, string database)
    {
        ArgumentNullException.ThrowIfNull(job);
        var kind = BenchmarkJob.NameOf(job.Kind);
        var runtime = job.Kind switch
        {
            BenchmarkJobKind.Onnx => "onnxruntime",
            BenchmarkJobKind.Llm => "llama.cpp",
            _ => null,
        };
        if (job.Runtime is { } asked && !string.Equals(asked, runtime, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException(runtime is null
                ? $"A {kind} job names no runtime, not '{asked}'; leave --runtime out."
                : $"A {kind} job runs through {runtime}, not '{asked}'; leave --runtime out or give {runtime}.");
        }

        var args = new List<string>();
        switch (job.Kind)
        {
            case BenchmarkJobKind.Onnx or BenchmarkJobKind.Llm:
                args.AddRange(["bench", kind, job.Model ?? throw new InvalidInputException($"A {kind} job needs a model: {(job.Kind == BenchmarkJobKind.Onnx ? "an .onnx file or a catalog network id" : "a .gguf file or a catalog LLM id")}.")]);
                if (job.Scenario is { } scenario)
                {
                    args.AddRange(job.Kind == BenchmarkJobKind.Onnx ? ["--scenario", scenario] : throw new InvalidInputException("An llm job has no scenarios; leave --scenario out."));
                }

                break;
            case BenchmarkJobKind.UseCase:
                args.AddRange(["bench", "usecase", job.Scenario ?? throw new InvalidInputException("A usecase job needs its use case as the scenario: a use-case YAML file on the machine that runs it.")]);
                break;
            default:
                args.AddRange(job.Kind == BenchmarkJobKind.Roofline ? ["measure", "roofline"] : ["bench", "mix"]);
                if (job.Model is not null || job.Scenario is not null)
                {
                    throw new InvalidInputException(job.Kind == BenchmarkJobKind.Mix
                        ? "A mix job takes its two models as the 'vision' and 'llm' parameters; leave the model and scenario out."
                        : "A roofline job takes no model and no scenario; leave them out.");
                }

                break;
        }

        foreach (var (name, value) in job.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!ParameterName().IsMatch(name) || name is "db" or "no-save" or "json" or "format" or "output" or "plot")
            {
                throw new InvalidInputException($"'{name}' is not a parameter a lab job may set; give the command's own options by their long name, e.g. duration=10.");
            }

            switch (value.Trim().ToLowerInvariant())
            {
                case "true":
                    args.Add("--" + name);
                    break;
                case "false":
                    break;
                default:
                    args.AddRange(["--" + name, value]);
                    break;
            }
        }

        args.AddRange(["--db", database]);
        return args;
    }

    public Task RunAsync(BenchmarkJob job, IJobRecordSink records, IProgress<string> progress, CancellationToken cancellation) =>
        Task.Factory.StartNew(() => Run(job, records, progress, cancellation), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Hands the records of job databases a crash left behind to the outbox (those it holds already are skipped), then removes them.</summary>
    public int RecoverLeftovers(AgentOutbox outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        if (!Directory.Exists(JobsDirectory))
        {
            return 0;
        }

        var recovered = 0;
        foreach (var database in Directory.EnumerateFiles(JobsDirectory, "job-*.db").Order(StringComparer.Ordinal).ToList())
        {
            using (var store = new SqliteResultStore(database))
            {
                foreach (var stored in store.List(limit: int.MaxValue).OrderBy(s => s.Id))
                {
                    if (!outbox.Contains(stored.Record))
                    {
                        // The job it belonged to is not known here (its lease has lapsed by now): the records go up on their own.
                        outbox.Save(stored.Record, jobId: null);
                        recovered++;
                    }
                }
            }

            DeleteDatabase(database);
        }

        return recovered;
    }

    private void Run(BenchmarkJob job, IJobRecordSink records, IProgress<string> progress, CancellationToken cancellation)
    {
        Directory.CreateDirectory(JobsDirectory);
        var database = Path.Combine(JobsDirectory, $"job-{Guid.NewGuid():N}.db");
        var args = CommandLineOf(job, database);
        progress.Report("running wpt " + string.Join(' ', args.Take(args.Count - 2)));
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = WptApp.Run([.. args], WptConsole.Create(output, isTerminal: false, _ => null), errors, catalog, cancellation);
        if (File.Exists(database))
        {
            using (var store = new SqliteResultStore(database))
            {
                foreach (var stored in store.List(limit: int.MaxValue).OrderBy(s => s.Id))
                {
                    records.Save(stored.Record, stored.Record.Status);
                }
            }

            DeleteDatabase(database);
        }

        if (code == Interrupts.ExitCode)
        {
            throw new OperationCanceledException(cancellation);
        }

        if (code != 0)
        {
            var line = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"wpt {string.Join(' ', args)} ended with exit code {code}.";
            throw new MeasurementException(line.StartsWith("wpt: error: ", StringComparison.Ordinal) ? line["wpt: error: ".Length..] : line);
        }
    }

    private static void DeleteDatabase(string database)
    {
        foreach (var file in new[] { database, database + "-wal", database + "-shm" })
        {
            File.Delete(file);
        }
    }

    /// <summary>The runtimes the agent reports: ONNX Runtime's version from its native library, llama.cpp's from the LLamaSharp release.</summary>
    private static Dictionary<string, string> FindRuntimes()
    {
        var runtimes = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            runtimes["onnxruntime"] = OnnxRuntimeTarget.RuntimeVersion;
        }
#pragma warning disable CA1031 // Any failure to load the native library means the same here: the runtime is not reported.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Not loadable on this board: not reported, and onnx jobs fail with the runtime's own message.
        }

        runtimes["llama.cpp"] = LlamaCppModel.RuntimeVersion;
        return runtimes;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex ParameterName();
}
