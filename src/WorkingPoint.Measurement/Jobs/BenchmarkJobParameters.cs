using System.Globalization;
using WorkingPoint.Core;
using WorkingPoint.Measurement.Roofline;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Measurement.Jobs;

/// <summary>
/// What each kind of job takes — its model and scenario slots and its known parameters with their types and ranges — and the
/// check a job passes before it runs. The check needs neither ONNX Runtime nor llama.cpp, so a server refuses a bad job before
/// it is queued; a job with an unknown parameter or a bad value is refused with one line naming it and the fix.
/// </summary>
public static class BenchmarkJobParameters
{
    /// <summary>No model in reach has a longer context; a larger count is a typo (the CLI's limit).</summary>
    public const int MaxTokens = 1 << 24;

    /// <summary>Threads per logical core a thread parameter may ask for (the CLI's limit).</summary>
    public const int ThreadsPerCore = 4;

    /// <summary>The runtime each kind runs through, as a job names it; null where the kind uses several or none.</summary>
    public static string? RuntimeOf(BenchmarkJobKind kind) => kind switch
    {
        BenchmarkJobKind.Onnx => "onnxruntime",
        BenchmarkJobKind.Llm => "llama.cpp",
        _ => null,
    };

    /// <summary>The parameters a kind knows, in the order they are checked.</summary>
    public static IReadOnlyList<JobParameter> Of(BenchmarkJobKind kind) => kind switch
    {
        BenchmarkJobKind.Onnx => Onnx,
        BenchmarkJobKind.Llm => Llm,
        BenchmarkJobKind.Mix => Mix,
        BenchmarkJobKind.Roofline => Roofline,
        _ => UseCase,
    };

    /// <summary>
    /// Checks <paramref name="job"/> against its kind: the model and scenario slots, the runtime, every parameter known and
    /// its value in range. Returns the values, read; throws <see cref="InvalidInputException"/> with one line otherwise.
    /// </summary>
    public static JobParameterValues Validate(BenchmarkJob job)
    {
        var kind = BenchmarkJob.NameOf(job.Kind);
        var known = Of(job.Kind);
        foreach (var name in job.Parameters.Keys)
        {
            if (!known.Any(p => p.Name == name))
            {
                throw new InvalidInputException($"'{name}' is not a parameter of {kind} jobs; use one of {string.Join(", ", known.Select(p => p.Name))}.");
            }
        }

        var takesModel = job.Kind is BenchmarkJobKind.Onnx or BenchmarkJobKind.Llm;
        if (takesModel && string.IsNullOrWhiteSpace(job.Model))
        {
            throw new InvalidInputException($"A {kind} job needs a model: {(job.Kind == BenchmarkJobKind.Onnx ? "an .onnx file or a catalog network id" : "a .gguf file or a catalog LLM id")}.");
        }

        if (!takesModel && job.Model is not null)
        {
            throw new InvalidInputException(job.Kind == BenchmarkJobKind.Mix
                ? "A mix job takes its two models as the 'vision' and 'llm' parameters; leave 'model' out."
                : $"A {kind} job takes no model; leave 'model' out{(job.Kind == BenchmarkJobKind.UseCase ? " and name the use-case file as its scenario" : string.Empty)}.");
        }

        if (job.Runtime is { } runtime && !string.Equals(runtime, RuntimeOf(job.Kind), StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException(RuntimeOf(job.Kind) is { } own
                ? $"A {kind} job runs through {own}, not '{runtime}'; leave 'runtime' out or give {own} (the execution provider is the 'provider' parameter)."
                : $"A {kind} job names no runtime (it uses each workload's own), not '{runtime}'; leave 'runtime' out.");
        }

        switch (job.Kind)
        {
            case BenchmarkJobKind.UseCase when string.IsNullOrWhiteSpace(job.Scenario):
                throw new InvalidInputException("A usecase job needs its use case as the scenario: a use-case YAML file on the machine that runs it.");
            case BenchmarkJobKind.Onnx:
                break;
            case not BenchmarkJobKind.UseCase when job.Scenario is not null:
                throw new InvalidInputException($"A {kind} job has no scenarios; leave 'scenario' out.");
        }

        var values = new JobParameterValues(job.Kind, job.Parameters);
        if (job.Kind == BenchmarkJobKind.Onnx)
        {
            // The scenarios are read before the other values, as the CLI always did (a wrong --scenario is named first).
            _ = OnnxScenarios.Parse(job.Scenario ?? OnnxScenarios.Default, values.Number("sustained") is not null);
        }

        foreach (var parameter in known)
        {
            if (job.Parameters.TryGetValue(parameter.Name, out var text))
            {
                parameter.Check(text);
            }
        }

        return values;
    }

    private static JobParameter Whole(string name, double? min, double? max, string description) => new(name, JobParameterType.Integer, description) { Minimum = min, Maximum = max };

    private static JobParameter Real(string name, double min, double max, string description, bool minimumExclusive = false) => new(name, JobParameterType.Number, description) { Minimum = min, Maximum = max, MinimumExclusive = minimumExclusive };

    private static JobParameter Threads(string name, string description) => new(name, JobParameterType.Integer, description) { Minimum = 1, Maximum = ThreadsPerCore, PerLogicalCore = true };

    private static JobParameter Flag(string name, string description) => new(name, JobParameterType.Flag, description);

    private static JobParameter Text(string name, string description) => new(name, JobParameterType.Text, description);

    private static readonly JobParameter TelemetryInterval = Whole("telemetry-interval-ms", 10, 60_000, "how often sensors are read, in ms (default 250)");

    // A sustained run, the same for bench onnx, bench llm and bench usecase (declared before the lists that share them).
    private static readonly JobParameter Sustained = Real("sustained", 0, 1440, "run back to back for this many minutes and read throughput over time (throttle onset)", minimumExclusive: true);

    private static readonly JobParameter Window = Real("window", 0, 86_400, "throughput window of a sustained run, in seconds", minimumExclusive: true);

    private static readonly JobParameter[] Onnx =
    [
        new("input", JobParameterType.Shapes, "shapes of dynamic inputs, comma-separated: name=1x3x960x960 or 960x960"),
        Real("duration", 0, 86_400, "minimum timed seconds per scenario (default 10)"),
        Whole("min-queries", 1, 10_000_000, "minimum queries per scenario (default 64)"),
        Flag("quick", "a short look, judged by the default rules (so INVALID)"),
        Whole("warmup", 0, 1_000_000, "untimed warm-up queries (default 10)"),
        Whole("samples-per-query", 1, 4096, "MultiStream samples per query (default 8)"),
        Real("target-qps", 0, 1e6, "Server arrival rate (default: 80 % of a probed SingleStream rate)", minimumExclusive: true),
        Real("latency-bound-ms", 0, 1e7, "Server p99 latency bound to judge against", minimumExclusive: true),
        Whole("concurrency", 1, 1024, "queries in flight for Server and Offline (default 1)"),
        Text("provider", "an execution provider: cpu, cuda, tensorrt, qnn, …"),
        Threads("threads", "intra-op threads"),
        new("opt", JobParameterType.Choice, "graph optimization") { Choices = ["disabled", "basic", "extended", "all"], ChoiceWhat = "an optimization level" },
        Whole("seed", null, null, "seed of the inputs and the Server arrivals (default 1234)"),
        Sustained,
        Window,
        TelemetryInterval,
    ];

    private static readonly JobParameter[] Llm =
    [
        Text("weights", "the format of a synthesized catalog model: q4_0, q8_0, fp16, q4_k_m, …"),
        Whole("prompt", 0, MaxTokens, "prompt tokens of the ppP test (default 512; 0 skips it)"),
        Whole("gen", 0, MaxTokens, "generated tokens of the tgN test (default 128; 0 skips it)"),
        Whole("reps", 1, 1000, "repetitions of each test (default 5)"),
        Threads("threads", "threads (default one per logical core)"),
        Whole("batch-size", 1, 65536, "logical batch size (default 2048)"),
        Whole("ubatch-size", 1, 65536, "physical batch size (default 512)"),
        new("depths", JobParameterType.IntegerList, "context depths to measure generation after, e.g. 512,1024"),
        Whole("gpu-layers", 0, 10000, "layers offloaded to a GPU (default 0)"),
        Sustained,
        Window,
        TelemetryInterval,
    ];

    private static readonly JobParameter[] Mix =
    [
        Text("vision", "an .onnx file or a catalog network (default yolov8n)"),
        new("input", JobParameterType.Shapes, "the vision model's input: WIDTHxHEIGHT or name=1x3xHxW (default 320x320)"),
        Real("fps", 0, 1000, "frames per second asked of the vision model (default 5)", minimumExclusive: true),
        Text("llm", "a .gguf file or a catalog LLM (default qwen2.5-0.5b)"),
        Text("weights", "the format of a synthesized catalog LLM (default q4_0)"),
        Whole("context", 8, MaxTokens, "tokens of context the LLM generates through (default 256)"),
        Real("duration", 0, 86_400, "seconds of each phase (default 15)", minimumExclusive: true),
        Text("platform", "the platform the interference is predicted on: host or a platform YAML file"),
        Threads("vision-threads", "ONNX Runtime intra-op threads"),
        Threads("llm-threads", "llama.cpp threads"),
    ];

    private static readonly JobParameter[] Roofline =
    [
        Flag("quick", "a coarse sweep of a few seconds"),
        Threads("threads", "threads to measure with (default one per logical CPU)"),
        Whole("dram-mib", DramStream.SmallestBytesPerArray / (1024 * 1024), int.MaxValue, "size of each DRAM array in MiB (default 512, scaled down to fit)"),
        Flag("scalar", "use the scalar fallback kernels"),
        Text("host-file", "where the measured 'host' platform is written (default host.yaml in the data directory)"),
    ];

    private static readonly JobParameter[] UseCase =
    [
        Real("duration", 1, 3600, "seconds the workloads run together (default 30)"),
        Real("scale", 0, 1000, "factor on every frame and request rate (default 1)", minimumExclusive: true),
        Real("time-compression", 1, 1_000_000, "how many times faster requests arrive than requestsPerHour says"),
        Whole("seed", 0, int.MaxValue, "seed of the input-size draws and request arrivals (default 1)"),
        Threads("threads", "threads of each workload's runtime"),
        Flag("overhead", "after the run, measure the harness's own overhead against the same frames run bare"),
        Sustained,
        Window,
    ];
}

/// <summary>A validated job's parameters, read by their declared type; a parameter left out gives the caller's default.</summary>
public sealed class JobParameterValues
{
    private readonly BenchmarkJobKind _kind;
    private readonly IReadOnlyDictionary<string, string> _values;

    internal JobParameterValues(BenchmarkJobKind kind, IReadOnlyDictionary<string, string> values)
    {
        _kind = kind;
        _values = values;
    }

    public int? Integer(string name) => Raw(name, JobParameterType.Integer) is { } text ? int.Parse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;

    public int Integer(string name, int fallback) => Integer(name) ?? fallback;

    public double? Number(string name) => Raw(name, JobParameterType.Number) is { } text ? double.Parse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    public double Number(string name, double fallback) => Number(name) ?? fallback;

    public bool Flag(string name) => Raw(name, JobParameterType.Flag) is { } text && bool.Parse(text.Trim());

    public string? Text(string name) => Raw(name, JobParameterType.Text, JobParameterType.Choice, JobParameterType.Shapes, JobParameterType.IntegerList);

    public string Text(string name, string fallback) => Text(name) ?? fallback;

    public IReadOnlyList<int>? IntegerList(string name) => Raw(name, JobParameterType.IntegerList) is { } text ? Declared(name).ReadIntegerList(text) : null;

    /// <summary>Shapes as --input takes them (one string each; the comma-separated text is split by InputShapes itself).</summary>
    public IReadOnlyList<string> Shapes(string name) => Raw(name, JobParameterType.Shapes) is { } text ? [text] : [];

    private JobParameter Declared(string name) =>
        BenchmarkJobParameters.Of(_kind).FirstOrDefault(p => p.Name == name)
        ?? throw new InvalidOperationException($"'{name}' is not declared for {_kind} jobs (a bug in the runner).");

    private string? Raw(string name, params JobParameterType[] types)
    {
        var declared = Declared(name);
        if (!types.Contains(declared.Type))
        {
            throw new InvalidOperationException($"'{name}' is a {declared.Type} parameter, read as {types[0]} (a bug in the runner).");
        }

        return _values.TryGetValue(name, out var text) ? text : null;
    }
}
