using WorkingPoint.Measurement.Jobs;

namespace WorkingPoint.Runner;

/// <summary>
/// The runner of each kind of job, built over one catalog (passed in: the CLI's, with the user's imports, or an agent's) and the
/// front end's checks; a job is run by the runner of its kind.
/// </summary>
public sealed class BenchmarkRunners(WorkingPoint.Catalog.Catalog catalog, ModelLoadCheck? loadCheck = null, PlatformResolver? resolvePlatform = null)
{
    public OnnxBenchmarkRunner Onnx { get; } = new(catalog);

    public LlmBenchmarkRunner Llm { get; } = new(catalog, loadCheck);

    public MixBenchmarkRunner Mix { get; } = new(catalog, loadCheck, resolvePlatform);

    public RooflineBenchmarkRunner Roofline { get; } = new();

    public UseCaseBenchmarkRunner UseCase { get; } = new(catalog, loadCheck);

    public IBenchmarkRunner For(BenchmarkJobKind kind) => kind switch
    {
        BenchmarkJobKind.Onnx => Onnx,
        BenchmarkJobKind.Llm => Llm,
        BenchmarkJobKind.Mix => Mix,
        BenchmarkJobKind.Roofline => Roofline,
        _ => UseCase,
    };

    /// <summary>Runs <paramref name="job"/> through the runner of its kind.</summary>
    public BenchmarkOutcome Run(BenchmarkJob job, IBenchmarkProgress progress, IBenchmarkResultSink sink, CancellationToken cancellation) =>
        For(job.Kind).Run(job, progress, sink, cancellation);
}
