using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Catalog;

namespace WorkingPoint.Evaluation;

/// <summary>
/// What to predict: the weight format, either a generation request (LLMs) or an input size and batch (networks), and the
/// runtime (null: the platform's usual one for the model's kind). <paramref name="Fractions"/> replaces the runtime's shares;
/// <paramref name="ComputeShare"/> and <paramref name="DramShare"/> override one share each (--compute-fraction, --dram-fraction).
/// </summary>
public sealed record PredictionRequest(
    WeightFormat? Weights = null,
    KvCacheFormat? KvCache = null,
    LlmScenario? Generation = null,
    int? InputWidth = null,
    int? InputHeight = null,
    int Batch = 1,
    AchievableFractions? Fractions = null,
    Runtime? Runtime = null,
    double? ComputeShare = null,
    double? DramShare = null,
    ExpertPlacement ExpertsIn = ExpertPlacement.WithWeights)
{
    /// <summary>
    /// A GGUF file's own tensors; otherwise LLMs default to llama.cpp's Q4_0, speech models to fp16 (as whisper.cpp ships them),
    /// networks to int8: the formats edge deployments ship.
    /// </summary>
    public WeightFormat WeightsFor(CatalogModel model) => Weights ?? DefaultWeights(model);

    public static WeightFormat DefaultWeights(CatalogModel model) => model switch
    {
        LlmCatalogModel { FileWeights: { } stored } => stored,
        LlmCatalogModel { Architecture.Audio: not null } => WeightFormat.Fp16,
        LlmCatalogModel => WeightFormat.Q4_0,
        _ => WeightFormat.Int8,
    };
}

/// <summary>A prediction for either kind of model.</summary>
public abstract record ModelPrediction(Platform Platform, CatalogModel Model)
{
    /// <summary>The runtime assumed; null: none (the hardware as it is, at the platform's achievable fractions).</summary>
    public Runtime? Runtime { get; init; }

    /// <summary>The compute unit the work runs on.</summary>
    public ComputeUnit Unit { get; init; } = Platform.PrimaryUnit;

    /// <summary>"llama.cpp-metal on gpu": what the prediction assumed.</summary>
    public string RanOn => Runtime is null ? $"{Unit.Id} (no runtime profile)" : $"{Runtime.DrivenAsId} on {Unit.Id}";

    /// <summary>Inferences (networks) or generated tokens (LLMs) per second.</summary>
    public abstract double Throughput { get; }

    public abstract string ThroughputUnit { get; }

    public abstract Seconds Latency { get; }

    public abstract Bottleneck Bottleneck { get; }

    public abstract Watts? AveragePower { get; }

    public abstract bool Fits { get; }

    /// <summary>Figures the prediction rests on that are assumptions or derived rather than published.</summary>
    public IReadOnlyList<string> Assumptions => Predictions.AssumptionsOf(Platform, this);

    /// <summary>The quantities this prediction gives, each with its own error band: decode and prefill, or a network's latency.</summary>
    public abstract IReadOnlyList<PredictedQuantity> Quantities { get; }

    /// <summary>The figure <paramref name="quantity"/>'s band applies to: decode or prefill tok/s, or a network's latency in ms.</summary>
    public abstract (double Value, string Unit) FigureOf(PredictedQuantity quantity);

    /// <summary>How far this prediction of <paramref name="quantity"/> may be off: its runtime's cross-validated band, or why there is none.</summary>
    public Uncertainty UncertaintyOf(PredictedQuantity quantity) => Uncertainty.Of(Runtime, quantity);
}

/// <summary>
/// A prediction's uncertainty for one quantity: the band its runtime's calibration measured on held-out published rows, or,
/// when there is none, why (no runtime profile fitted to published results; a profile measured on this machine).
/// </summary>
public sealed record Uncertainty(PredictedQuantity Quantity, ErrorBand? Band, string Text)
{
    public const string MeasuredHere = "profile measured on this machine: no cross-validated band (wpt validate measures its error here)";

    public static Uncertainty Of(Runtime? runtime, PredictedQuantity quantity) =>
        runtime?.BandFor(quantity) is { } band
            ? new Uncertainty(quantity, band, band.ToString())
            : new Uncertainty(quantity, null, runtime?.Profile.Origin.StartsWith("wpt measure", StringComparison.Ordinal) == true ? MeasuredHere : ErrorBand.Uncalibrated);

    /// <summary>"19.0–26.9 tok/s" around <paramref name="predicted"/>, or null without a band.</summary>
    public string? Range(double predicted, Func<double, string> format) => Band is { } b ? $"{format(b.Low(predicted))}–{format(b.High(predicted))}" : null;
}

public sealed record LlmModelPrediction(Platform Platform, CatalogModel Model, LlmPrediction Result) : ModelPrediction(Platform, Model)
{
    public override double Throughput => Result.DecodeTokensPerSecond;

    public override string ThroughputUnit => "tok/s";

    public override Seconds Latency => Result.TimeToFirstToken;

    public override Bottleneck Bottleneck => Result.Bottleneck;

    public override Watts? AveragePower => Result.AverageDecodePower;

    public override IReadOnlyList<PredictedQuantity> Quantities { get; } = [PredictedQuantity.Decode, PredictedQuantity.Prefill];

    public override (double Value, string Unit) FigureOf(PredictedQuantity quantity) =>
        (quantity == PredictedQuantity.Prefill ? Result.PrefillTokensPerSecond : Result.DecodeTokensPerSecond, "tok/s");

    public override bool Fits => Result.Fits;
}

public sealed record GraphModelPrediction(Platform Platform, CatalogModel Model, GraphPrediction Result) : ModelPrediction(Platform, Model)
{
    public override double Throughput => Result.FramesPerSecond;

    public override string ThroughputUnit => "FPS";

    public override Seconds Latency => Result.Latency;

    public override Bottleneck Bottleneck => Result.Bottleneck;

    public override Watts? AveragePower => Result.AveragePower;

    public override bool Fits => Result.Fits;

    public override IReadOnlyList<PredictedQuantity> Quantities { get; } = [PredictedQuantity.Network];

    public override (double Value, string Unit) FigureOf(PredictedQuantity quantity) => (Result.Latency.Milliseconds, "ms");

    /// <summary>The throughput with every input available at once (MLPerf Offline): each unit the runtime drives together at this batch, summed.</summary>
    public OfflinePrediction OfflineThroughput() => Offline?.Value ?? new OfflinePrediction([new OfflineUnitRate(Unit.Id, Unit.Kind, Result.ExecutedPrecision, Result.FramesPerSecond, Result.DramBytesPerInference.Value)], Result.Batch, 1);

    /// <summary>Computed on first use: most predictions never ask for it, and each unit costs a pass over the graph.</summary>
    internal Lazy<OfflinePrediction>? Offline { get; init; }
}

/// <summary>Runs the analytic model for a catalog model on a platform.</summary>
public static class Predictions
{
    public static WorkloadKind KindOf(CatalogModel model) => model is LlmCatalogModel ? WorkloadKind.Llm : WorkloadKind.Network;

    /// <summary>
    /// The ceilings a model meets on a platform: the request's runtime, else the platform's usual one for the model's kind, on
    /// the unit that runtime uses (refused with the reason when the platform lacks it), at its shares for the weight format.
    /// </summary>
    public static Ceilings CeilingsFor(CatalogModel model, Platform platform, PredictionRequest request) =>
        CeilingsFor(KindOf(model), request.WeightsFor(model).Id, platform, request);

    public static Ceilings CeilingsFor(WorkloadKind kind, string? weightsId, Platform platform, PredictionRequest request)
    {
        var runtime = request.Runtime ?? platform.DefaultRuntime(kind);
        runtime = runtime is null ? null : platform.AsRunHere(runtime);
        var baseline = request.Fractions ?? runtime?.Profile.FractionsFor(kind, weightsId, platform.Achievable) ?? platform.Achievable;
        var fractions = baseline with { Compute = request.ComputeShare ?? baseline.Compute, Dram = request.DramShare ?? baseline.Dram };
        return runtime is null ? new Ceilings(platform, fractions) : new Ceilings(platform, runtime.UnitOn(platform, kind), runtime, fractions);
    }

    public static ModelPrediction Predict(CatalogModel model, Platform platform, PredictionRequest request)
    {
        var ceilings = CeilingsFor(model, platform, request);
        var weights = request.WeightsFor(model);
        switch (model)
        {
            case LlmCatalogModel llm:
                var workload = new LlmWorkload(llm.Architecture, weights, request.KvCache ?? KvCacheFormat.F16, request.ExpertsIn);
                var scenario = request.Generation ?? new LlmScenario();
                return new LlmModelPrediction(platform, model, LlmPredictor.Predict(workload, ceilings, scenario, EncoderOf(llm, ceilings, weights, scenario))) { Runtime = ceilings.Runtime, Unit = ceilings.Unit };
            case GraphCatalogModel graph:
                var g = graph.Model;
                var built = g.Build(request.InputWidth ?? g.DefaultWidth, request.InputHeight ?? g.DefaultHeight);
                return new GraphModelPrediction(platform, model, GraphPredictor.Predict(built, ceilings, weights, request.Batch))
                {
                    Runtime = ceilings.Runtime,
                    Unit = ceilings.Unit,
                    Offline = new Lazy<OfflinePrediction>(() => OfflineThroughput.Predict(built, ceilings, weights, request.Batch)),
                };
            default:
                throw new InvalidOperationException($"Model '{model.Id}' has no predictor.");
        }
    }

    /// <summary>The time of one pass of a VLM's vision tower or a speech model's audio encoder on <paramref name="ceilings"/>; null: the model has none.</summary>
    internal static Func<Seconds>? EncoderOf(LlmCatalogModel llm, Ceilings ceilings, WeightFormat weights, LlmScenario scenario) =>
        llm.Architecture.Vision is { } spec
            ? () => GraphPredictor.Predict(spec.AsGraphModel(llm.Id).Build(scenario.ImageWidth, scenario.ImageHeight), ceilings, weights).Latency
            : llm.Architecture.Audio is { } audio
                ? () => GraphPredictor.Predict(audio.AsGraphModel(llm.Id).Build(), ceilings, weights).Latency
                : null;

    internal static IReadOnlyList<string> AssumptionsOf(Platform platform, ModelPrediction prediction)
    {
        var list = platform.Provenance.Assumptions.Select(a => $"{platform.Id} {a.Field}: assumed ({a.Note})").ToList();
        var precision = prediction is LlmModelPrediction l ? l.Result.ExecutedPrecision : ((GraphModelPrediction)prediction).Result.ExecutedPrecision;
        if (prediction.Runtime is { Profile.FollowsPlatform: false } runtime)
        {
            list.AddRange(runtime.Provenance.Assumptions.Select(a => $"{runtime.Id} {a.Field}: assumed ({a.Note})"));
        }

        if (platform.Power.Max is not null && !EnergyModel.HasOwnOpEnergy(platform, prediction.Unit, precision))
        {
            list.Add($"{platform.Id} energy per {precision.ToId()} op derived from its power range ((max − idle) / dense peak): an upper bound");
        }

        if (platform.Power.Max is null)
        {
            list.Add($"{platform.Id} has no published power figure: energy and power are not predicted");
        }

        if (platform.Power.DramEnergy is null && platform.Dram is { } dram)
        {
            list.Add($"DRAM energy {EnergyModel.DramEnergyByKind[dram.Kind].PicojoulesPerBit} pJ/bit: {EnergyModel.DramEnergyByKind[dram.Kind].Source}");
        }

        if (platform.OnChipOf(prediction.Unit).Capacity is null)
        {
            list.Add($"{platform.Id} on-chip capacity unknown: nothing is assumed to stay on chip");
        }

        return list;
    }
}
