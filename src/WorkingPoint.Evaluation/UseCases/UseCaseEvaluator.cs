using WorkingPoint.Core;
using System.Collections.Concurrent;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;

namespace WorkingPoint.Evaluation.UseCases;

/// <summary>
/// Schedules a use case's workloads together on each platform and judges the result (docs/usecase.md).
/// Each workload's unit of work (a frame at each input size, weighted by its share; a request: vision encoding, prefill and
/// the generated tokens) is reduced to seconds of demand on each shared resource (<see cref="ResourceDemand"/>). The load on a
/// resource is the sum over workloads of rate × demand; more than 1 is more than the platform can do. Each workload's latency
/// together with the others stretches by the share of each resource the others leave it, but never below an even split.
/// </summary>
public sealed class UseCaseEvaluator
{
    private static readonly ConcurrentDictionary<(string Model, int Width, int Height), Core.Workloads.Graphs.Graph> Graphs = new();
    private readonly Catalog.Catalog _catalog;

    public UseCaseEvaluator(Catalog.Catalog catalog) => _catalog = catalog;

    /// <summary>Every platform (default: the catalog's predictable ones), then the feasible set, Pareto front, ranking and sensitivity.</summary>
    /// <param name="runtime">A runtime for every workload of the kind it runs that names none (--runtime); null: each platform's usual ones.</param>
    public UseCaseReport Evaluate(UseCase useCase, IReadOnlyList<Platform>? platforms = null, bool sensitivity = true, Runtime? runtime = null)
    {
        platforms ??= _catalog.ResolvePlatforms("all");
        var reference = _catalog.ResolvePlatform(useCase.ReferencePlatform);
        var referenceProfile = ScoreProfile(useCase, reference);
        var evaluations = platforms.Select(p => EvaluateOn(useCase, p, referenceProfile, runtime)).ToArray();
        // Marginal platforms meet every target by the prediction, some within its error band: feasible, and marked as such.
        var feasible = evaluations.Where(e => e.Verdict is Verdict.Meets or Verdict.Marginal).ToArray();
        var pareto = ParetoFront(feasible);
        var ranking = Rank(feasible, useCase.Priorities.Normalized());
        var findings = sensitivity ? evaluations.Where(e => e.Verdict == Verdict.Fails && e.Predicted).SelectMany(e => Sensitivity(useCase, e.Platform, runtime)).ToArray() : [];
        var assumptions = evaluations.SelectMany(e => e.Platform.Provenance.Assumptions.Select(a => $"{e.Platform.Id} {a.Field}: assumed ({a.Note})")).Distinct().ToList();
        assumptions.Add("Workloads share the DRAM, and a compute unit when their runtimes run on the same one, in proportion to their load; a workload running beside others is served at least an even split of a contended resource.");
        assumptions.Add("On CPUs a thread holds its core while it waits on memory, so CPU workloads time-share the cores.");
        assumptions.Add("A frame workload without a latency target must finish within one frame period (one frame in flight).");
        assumptions.Add($"A target the prediction meets is marginal when the unfavourable end of the prediction's error band misses it, and met when even that end meets it; a band is the runtime's cross-validated error ({ErrorBand.Percentile:0}th percentile of held-out |log error|, wpt calibrate); a runtime without one is judged on the point prediction ({ErrorBand.Uncalibrated}).");
        if (feasible.Length > 0 && feasible.All(e => e.AveragePowerW is null))
        {
            assumptions.Add("No feasible platform's average power is known, so the ranking weighs performance and cost only.");
        }

        var noIdle = evaluations.Where(e => e.PowerUnknownBecause is not null && e.AveragePowerAtLeastW is not null).Select(e => e.Platform.Id).ToArray();
        if (noIdle.Length > 0)
        {
            assumptions.Add($"Idle power unpublished for {string.Join(", ", noIdle)}: their average power, energy per day and battery life are unknown; a power or energy budget is judged against the part above idle (a lower bound) and the published maximum (an upper bound), and is unknown in between.");
        }
        return new UseCaseReport(useCase, evaluations, feasible, pareto, ranking, findings, assumptions);
    }

    /// <summary>One platform, with the reference profile for the score (null: no score).</summary>
    public PlatformEvaluation EvaluateOn(UseCase useCase, Platform platform, IReadOnlyList<double>? referenceProfile = null, Runtime? runtime = null)
    {
        Ceilings ceilings;
        List<UnitProfile> profiles;
        List<Ceilings> workloadCeilings;
        try
        {
            ceilings = new Ceilings(platform).RequireComputeAndMemory();
            workloadCeilings = useCase.Workloads.Select(w => CeilingsFor(w, platform, runtime)).ToList();
            profiles = useCase.Workloads.Select((w, i) => Profile(w, workloadCeilings[i])).ToList();
        }
        catch (Exception ex) when (ex is MissingFigureException or RuntimeMismatchException)
        {
            return PlatformEvaluation.NotPredicted(platform, $"not predicted: {ex.Message}");
        }

        // One contention model (Core's ContentionModel): loads per shared resource, DRAM shared by all, a unit's compute by its work.
        var load = ContentionModel.Load(profiles.Select((p, i) => (p.Demand, useCase.Workloads[i].UnitsPerSecond)));
        var resources = Enum.GetValues<Resource>();
        var utilization = resources.ToDictionary(r => r, r => load.Where(kv => kv.Key.Resource == r).Select(kv => kv.Value).DefaultIfEmpty(0).Max());
        var bindingResource = load.Count == 0 ? SharedResource.On(Resource.Compute, platform.PrimaryUnit.Id) : load.MaxBy(kv => kv.Value).Key;
        var binding = bindingResource.Resource;
        var peakLoad = load.GetValueOrDefault(bindingResource);
        var violations = new List<string>();
        var unknowns = new List<string>();
        var marginals = new List<string>();
        if (peakLoad > 1)
        {
            violations.Add($"overloaded: the workloads need {peakLoad:P0} of its {Name(bindingResource, platform)}");
        }

        var outcomes = new List<WorkloadOutcome>();
        var n = useCase.Workloads.Count;
        for (var i = 0; i < n; i++)
        {
            var w = useCase.Workloads[i];
            var p = profiles[i];
            var others = load.ToDictionary(kv => kv.Key, kv => kv.Value - (w.UnitsPerSecond * p.Demand.Get(kv.Key)));
            double Stretch(ResourceDemand d) => ContentionModel.Stretch(d, others, n);
            var misses = new List<string>();
            var marginal = new List<string>();
            var workloadRuntime = workloadCeilings[i].Runtime;
            var ownShare = w.UnitsPerSecond * p.Demand.Get(bindingResource);
            var ownBinding = resources.MaxBy(r => p.Demand.Get(r));
            double? dynamicWatts = p.DynamicJoules is { } j ? j * w.UnitsPerSecond : null;
            if (w.Arrival == ArrivalKind.Frames)
            {
                var latency = p.WorstSeconds * Stretch(p.WorstDemand);
                var rate = w.UnitsPerSecond / Math.Max(1, peakLoad);
                var latencyTarget = w.Targets.LatencyMs ?? (1000 / w.FramesPerSecond);
                var band = Uncertainty.Of(workloadRuntime, PredictedQuantity.Network);
                Judge(band, latency * 1000, latencyTarget, higherIsBetter: false, $"{w.Id}: {latency * 1000:0.#} ms per frame together", $"target {latencyTarget:0.#} ms{(w.Targets.LatencyMs is null ? " (one frame period)" : string.Empty)}", misses, marginal);
                // The frame rate is the camera's unless the platform is overloaded (the load check above): not a prediction a band widens.
                var paced = new Uncertainty(PredictedQuantity.Network, null, "paced by the camera: the frame rate is the arrival rate unless the platform is overloaded");
                if (w.Targets.Fps is { } fps)
                {
                    Judge(paced, rate, fps, higherIsBetter: true, $"{w.Id}: {rate:0.#} FPS", $"target {fps:0.#}", misses, marginal);
                }

                outcomes.Add(new WorkloadOutcome(w.Id, w.Model.Id, w.Category, w.Arrival, p.Weights, p.WorstSeconds * 1000, latency * 1000, latencyTarget, 1 / p.MeanLatency, rate, w.Targets.Fps, "FPS", ownShare, ownBinding, p.MemoryBytes, dynamicWatts, misses, p.Roofline)
                {
                    Marginal = marginal,
                    LatencyUncertainty = band,
                    RateUncertainty = paced,
                });
            }
            else
            {
                var ttft = p.FirstToken.UnitSeconds * Stretch(p.FirstToken);
                var decode = 1 / (p.DecodeStep.UnitSeconds * Stretch(p.DecodeStep));
                var prefillBand = Uncertainty.Of(workloadRuntime, PredictedQuantity.Prefill);
                var decodeBand = Uncertainty.Of(workloadRuntime, PredictedQuantity.Decode);
                if (w.Targets.TimeToFirstTokenMs is { } ttftTarget)
                {
                    Judge(prefillBand, ttft * 1000, ttftTarget, higherIsBetter: false, $"{w.Id}: time to first token {ttft * 1000:0} ms together", $"target {ttftTarget:0} ms", misses, marginal);
                }

                if (w.Targets.TokensPerSecond is { } tps)
                {
                    Judge(decodeBand, decode, tps, higherIsBetter: true, $"{w.Id}: {decode:0.#} tok/s together", $"target {tps:0.#}", misses, marginal);
                }

                outcomes.Add(new WorkloadOutcome(w.Id, w.Model.Id, w.Category, w.Arrival, p.Weights, p.FirstToken.UnitSeconds * 1000, ttft * 1000, w.Targets.TimeToFirstTokenMs, 1 / p.DecodeStep.UnitSeconds, decode, w.Targets.TokensPerSecond, "tok/s", ownShare, ownBinding, p.MemoryBytes, dynamicWatts, misses, p.Roofline)
                {
                    Marginal = marginal,
                    LatencyUncertainty = prefillBand,
                    RateUncertainty = decodeBand,
                });
            }

            violations.AddRange(misses);
            marginals.AddRange(marginal);
        }

        // Memory: everything resident at once.
        var memory = profiles.Sum(p => p.MemoryBytes);
        double? available = ceilings.HasDram ? ceilings.UsableDramBytes : ceilings.OnChipCapacityBytes;
        if (memory > available)
        {
            violations.Add($"memory: needs {memory / 1e9:0.##} GB, {available / 1e9:0.##} GB usable");
        }

        if (useCase.Constraints.MemoryGiB is { } budget && memory > budget * (1L << 30))
        {
            violations.Add($"memory: needs {memory / (1L << 30):0.##} GiB, the product's budget is {budget:0.##} GiB");
        }

        // Power: idle plus each workload's dynamic energy at its rate; the peak is every workload running at once. Without a published
        // idle figure the average is unknown, not idle-as-0 W: the part above idle is then only a lower bound (energy per operation
        // comes from the maximum power, an upper bound at full load), and the published maximum an upper bound.
        double? averageW = null, peakW = null, energyPerDay = null, batteryDays = null, averageAtLeastW = null;
        string? powerUnknownBecause = null;
        if (ceilings.EnergyKnown)
        {
            var dynamic = outcomes.Sum(o => o.AverageDynamicWatts ?? 0) / Math.Max(1, peakLoad);
            var peakDynamic = profiles.Sum(p => p.DynamicJoules is { } j && p.UnitSeconds > 0 ? j / p.UnitSeconds : 0);
            if (platform.Power.Idle is { } idle)
            {
                averageW = idle.Value + dynamic;
                peakW = ceilings.MaxWatts is { } max ? Math.Min(idle.Value + peakDynamic, max) : idle.Value + peakDynamic;
                energyPerDay = (averageW * useCase.ActiveHoursPerDay) + (idle.Value * (24 - useCase.ActiveHoursPerDay));
                batteryDays = useCase.BatteryWh is { } wh ? wh / energyPerDay : null;
            }
            else
            {
                powerUnknownBecause = "idle power unpublished";
                averageAtLeastW = dynamic;
            }

            var atLeastW = averageW ?? dynamic;
            var atMostW = averageW ?? ceilings.MaxWatts;
            var bound = averageW is null ? "at least " : string.Empty;
            var powerBudget = $"the {(useCase.Constraints.Passive ? "passive " : string.Empty)}{PowerText.Watts(useCase.Constraints.SustainedPowerW)} budget";
            CheckBudget("power", useCase.Constraints.SustainedPowerW, powerBudget, atLeastW, atMostW, PowerText.Watts,
                $"power: {bound}{PowerText.Watts(atLeastW)} on average, over {powerBudget}");
            var sustains = $"the {PowerText.Watts(ceilings.SustainableWatts)} the part sustains";
            CheckBudget("power", ceilings.SustainableWatts, sustains, atLeastW, atMostW, PowerText.Watts,
                $"power: {bound}{PowerText.Watts(atLeastW)} on average, more than {sustains}");
            var energyAtLeast = energyPerDay ?? atLeastW * useCase.ActiveHoursPerDay;
            var energyAtMost = energyPerDay ?? ceilings.MaxWatts * 24;
            CheckBudget("energy", useCase.Constraints.EnergyPerDayWh, $"the {PowerText.WattHours(useCase.Constraints.EnergyPerDayWh)} a day budget", energyAtLeast, energyAtMost, wh => $"{PowerText.WattHours(wh)} a day",
                $"energy: {bound}{PowerText.WattHours(energyAtLeast)} a day, budget {PowerText.WattHours(useCase.Constraints.EnergyPerDayWh)}{(useCase.BatteryWh is not null ? " (one charge a day)" : string.Empty)}");
        }
        else if (useCase.Constraints.SustainedPowerW is not null || useCase.Constraints.EnergyPerDayWh is not null)
        {
            powerUnknownBecause = "no published power figure";
            unknowns.Add("power: no published power figure, so the power budget cannot be checked");
        }
        else
        {
            powerUnknownBecause = "no published power figure";
        }

        // A limit is broken when even the lower bound exceeds it, kept when even the upper bound (the figure itself when known, else
        // the published maximum) stays within it, and unknown in between.
        void CheckBudget(string what, double? limit, string limitText, double atLeast, double? atMost, Func<double, string> format, string violation)
        {
            if (limit is not { } cap)
            {
                return;
            }

            if (atLeast > cap)
            {
                violations.Add(violation);
            }
            else if (atMost is not { } upper || upper > cap)
            {
                unknowns.Add($"{what}: cannot be judged against {limitText} ({powerUnknownBecause}): at least {format(atLeast)}{(atMost is { } most ? $", at most {format(most)}" : string.Empty)}");
            }
        }

        var cost = platform.Price?.Amount.Value;
        if (useCase.Constraints.UnitCostUsd is { } maxCost)
        {
            if (cost is null)
            {
                unknowns.Add("cost: no published price, so the unit-cost limit cannot be checked");
            }
            else if (cost > maxCost)
            {
                violations.Add($"cost: ${cost:0} against a ${maxCost:0} limit");
            }
        }

        var headroom = peakLoad > 0 ? 1 / peakLoad : double.PositiveInfinity;
        var score = referenceProfile is null ? null : CompositeScore.Of(useCase, ScoreProfile(useCase, platform, ceilings, profiles), referenceProfile);
        var verdict = violations.Count > 0 ? Verdict.Fails : unknowns.Count > 0 ? Verdict.Unknown : marginals.Count > 0 ? Verdict.Marginal : Verdict.Meets;
        var reason = verdict switch
        {
            Verdict.Meets => $"meets every target and constraint; {Name(bindingResource, platform)} binds at {peakLoad:P0} (headroom ×{headroom:0.##})",
            Verdict.Fails => violations[0],
            Verdict.Marginal => marginals[0],
            _ => unknowns[0],
        };
        return new PlatformEvaluation(platform, verdict, reason, [.. violations, .. unknowns, .. marginals], outcomes, utilization, binding, headroom, averageW, peakW, energyPerDay, batteryDays, memory, available, cost, score, averageAtLeastW, powerUnknownBecause);
    }

    /// <summary>
    /// A predicted figure against its target, with the prediction's error band: missed when the prediction misses it; met when
    /// even the band's unfavourable end (a rate's low end, a latency's high end) meets it; marginal when the prediction meets it
    /// but the band straddles it. Without a band the prediction alone decides.
    /// </summary>
    private static void Judge(Uncertainty uncertainty, double predicted, double target, bool higherIsBetter, string what, string targetText, List<string> misses, List<string> marginal)
    {
        bool Meets(double value) => higherIsBetter ? value >= target * 0.9999 : value <= target * 1.0001;
        if (!Meets(predicted))
        {
            misses.Add($"{what}, {targetText}");
        }
        else if (uncertainty.Band is { } band && !Meets(higherIsBetter ? band.Low(predicted) : band.High(predicted)))
        {
            marginal.Add($"{what}, {targetText}: marginal, inside the error band {band}");
        }
    }

    /// <summary>A shared resource by name: "DRAM bandwidth", or "gpu compute" on a platform with several units.</summary>
    public static string Name(SharedResource resource, Platform platform) =>
        resource.Unit is { } unit && platform.Units.Count > 1 ? $"{unit} {Name(resource.Resource)}" : Name(resource.Resource);

    /// <summary>
    /// The ceilings a workload meets: its own runtime (runtime: in the use case), else <paramref name="runtime"/> when that runs
    /// the workload's kind, else the platform's usual runtime for it.
    /// </summary>
    private Ceilings CeilingsFor(UseCaseWorkload w, Platform platform, Runtime? runtime)
    {
        var kind = Predictions.KindOf(w.Model);
        var chosen = w.Runtime is { } own ? _catalog.ResolveRuntime(own) : runtime is not null && runtime.Runs.Contains(kind) ? runtime : null;
        var weights = w.Weights ?? PredictionRequest.DefaultWeights(w.Model);
        return Predictions.CeilingsFor(kind, weights.Id, platform, new PredictionRequest(Runtime: chosen)).RequireComputeAndMemory();
    }

    /// <summary>The platform with its DRAM bandwidth scaled by <paramref name="factor"/> (what "more bandwidth" would give).</summary>
    public static Platform WithDramBandwidthScaled(Platform platform, double factor) =>
        platform.Dram is { PeakBandwidth: { } peak } dram ? platform with { Dram = dram with { MeasuredBandwidth = peak * factor } } : platform;

    public static string Name(Resource resource) => resource switch
    {
        Resource.Compute => "compute",
        Resource.Dram => "DRAM bandwidth",
        Resource.OnChip => "on-chip bandwidth",
        _ => "host link",
    };

    /// <summary>What one unit of a workload costs on a platform.</summary>
    private sealed record UnitProfile(
        string Weights,
        ResourceDemand Demand,
        double UnitSeconds,
        double MeanLatency,
        double WorstSeconds,
        ResourceDemand WorstDemand,
        ResourceDemand FirstToken,
        ResourceDemand DecodeStep,
        double MemoryBytes,
        double? DynamicJoules,
        RooflinePoint? Roofline);

    private UnitProfile Profile(UseCaseWorkload w, Ceilings c)
    {
        var cpu = ResourceDemand.HoldsCoresWhileStalled(c);
        switch (w.Model)
        {
            case GraphCatalogModel graph:
            {
                var weights = w.Weights ?? PredictionRequest.DefaultWeights(graph);
                var demand = ResourceDemand.Zero;
                double meanLatency = 0, joules = 0, memory = 0;
                (double Seconds, ResourceDemand Demand) worst = (0, ResourceDemand.Zero);
                RooflinePoint? point = null;
                var energyKnown = c.EnergyKnown;
                foreach (var input in w.Inputs)
                {
                    var (iw, ih) = (input.Width, input.Height);
                    var built = Graphs.GetOrAdd((graph.Model.Id + "|" + graph.Model.Source, iw, ih), key => graph.Model.Build(key.Width, key.Height));
                    var prediction = GraphPredictor.Predict(built, c, weights);
                    var d = ResourceDemand.Of(prediction.Layers.Select(l => l.Cost), cpu).WithUnitSeconds(prediction.Latency.Value);
                    demand += d * input.Share;
                    meanLatency += prediction.Latency.Value * input.Share;
                    if (prediction.Latency.Value > worst.Seconds)
                    {
                        worst = (prediction.Latency.Value, d);
                    }

                    if (energyKnown)
                    {
                        joules += input.Share * prediction.Layers.Sum(l => l.Cost.DynamicJoules(c, weights.ComputePrecision));
                    }

                    memory = Math.Max(memory, prediction.WeightBytes.Value + (prediction.PeakLiveActivations.Value * (prediction.ActivationsOnChip ? 0 : 1)));
                    if (point is null || input.Share > 0.5)
                    {
                        point = new RooflinePoint($"{w.Id} {input}", prediction.OffChipIntensity, prediction.AchievedOpsPerSecond, prediction.Bottleneck.ToId(), weights.ComputePrecision);
                    }
                }

                return new UnitProfile(weights.Id, demand, demand.UnitSeconds, meanLatency, worst.Seconds, worst.Demand, ResourceDemand.Zero, ResourceDemand.Zero, memory, energyKnown ? joules : null, point);
            }

            case LlmCatalogModel llm:
            {
                var weights = w.Weights ?? PredictionRequest.DefaultWeights(llm);
                var workload = new LlmWorkload(llm.Architecture, weights, KvCacheFormat.F16);
                var scenario = w.Request;
                var prediction = LlmPredictor.Predict(workload, c, scenario);
                var vision = ResourceDemand.Zero;
                double visionJoules = 0;
                if (scenario.Images > 0 && llm.Architecture.Vision is { } spec)
                {
                    var built = Graphs.GetOrAdd((llm.Id + "|vision", scenario.ImageWidth, scenario.ImageHeight), key => spec.AsGraphModel(llm.Id).Build(key.Width, key.Height));
                    var encode = GraphPredictor.Predict(built, c, weights);
                    vision = ResourceDemand.Of(encode.Layers.Select(l => l.Cost), cpu).WithUnitSeconds(encode.Latency.Value) * scenario.Images;
                    visionJoules = c.EnergyKnown ? scenario.Images * encode.Layers.Sum(l => l.Cost.DynamicJoules(c, weights.ComputePrecision)) : 0;
                }
                else if (scenario.AudioSeconds > 0 && llm.Architecture.Audio is { } audio)
                {
                    // A speech model: the audio encoder once per started 30 s window, then the decoder cross-attends to it.
                    var windows = AudioEncoderSpec.Windows(scenario.AudioSeconds);
                    var built = Graphs.GetOrAdd((llm.Id + "|audio", audio.Frames, 1), _ => audio.AsGraphModel(llm.Id).Build());
                    var encode = GraphPredictor.Predict(built, c, weights);
                    vision = ResourceDemand.Of(encode.Layers.Select(l => l.Cost), cpu).WithUnitSeconds(encode.Latency.Value) * windows;
                    visionJoules = c.EnergyKnown ? windows * encode.Layers.Sum(l => l.Cost.DynamicJoules(c, weights.ComputePrecision)) : 0;
                }

                var prefillCost = LlmPredictor.PrefillPass(workload, c, prediction.PromptTokensWithImages, 1, scenario.PrefillChunkTokens);
                var prefill = prefillCost.Ops > 0 ? ResourceDemand.Of([prefillCost], cpu) : ResourceDemand.Zero;
                var stepCost = LlmPredictor.DecodeStep(workload, c, prediction.PromptTokensWithImages + (scenario.GeneratedTokens / 2.0));
                var step = ResourceDemand.Of([stepCost], cpu);
                var firstToken = vision + prefill;
                var request = firstToken + (step * scenario.GeneratedTokens);
                double? joules = c.EnergyKnown
                    ? visionJoules + (prefillCost.Ops > 0 ? prefillCost.DynamicJoules(c, weights.ComputePrecision) : 0) + (scenario.GeneratedTokens * stepCost.DynamicJoules(c, weights.ComputePrecision))
                    : null;
                var offChip = stepCost.DramBytes + stepCost.HostLinkBytes;
                var decodePoint = new RooflinePoint($"{w.Id} decode", offChip > 0 ? stepCost.Ops / offChip : double.PositiveInfinity, stepCost.Ops / stepCost.Seconds, stepCost.Binding.ToString().ToLowerInvariant(), weights.ComputePrecision);
                return new UnitProfile(weights.Id, request, request.UnitSeconds, request.UnitSeconds, request.UnitSeconds, request, firstToken, step, prediction.MemoryRequired.Value, joules, decodePoint);
            }

            default:
                throw new InvalidOperationException($"Workload '{w.Id}': model '{w.Model.Id}' has no predictor.");
        }
    }

    /// <summary>The use case's reference platform's score profile (what scores 100); null when that platform cannot be predicted.</summary>
    public IReadOnlyList<double>? ReferenceProfile(UseCase useCase)
    {
        ArgumentNullException.ThrowIfNull(useCase);
        return ScoreProfile(useCase, _catalog.ResolvePlatform(useCase.ReferencePlatform));
    }

    /// <summary>The suite's per-workload performance at the working point and at peak conditions, in the order of the workloads.</summary>
    internal IReadOnlyList<double>? ScoreProfile(UseCase useCase, Platform platform)
    {
        try
        {
            var c = new Ceilings(platform).RequireComputeAndMemory();
            return ScoreProfile(useCase, platform, c, useCase.Workloads.Select(w => Profile(w, CeilingsFor(w, platform, null))).ToList());
        }
        catch (Exception ex) when (ex is MissingFigureException or RuntimeMismatchException)
        {
            return null;
        }
    }

    /// <summary>
    /// For each workload: performance at the working point (frames: 1 / mean latency at the use case's sizes, batch 1;
    /// requests: the geometric mean of decode tok/s and 1 / time to first token at its request), then the same at peak
    /// conditions (networks: throughput at batch 8 at the model's reference size; LLMs: a 128-token prompt, no image).
    /// </summary>
    private IReadOnlyList<double> ScoreProfile(UseCase useCase, Platform platform, Ceilings c, IReadOnlyList<UnitProfile> profiles)
    {
        var workingPoint = new List<double>();
        var peak = new List<double>();
        for (var i = 0; i < useCase.Workloads.Count; i++)
        {
            var w = useCase.Workloads[i];
            var p = profiles[i];
            var fits = p.MemoryBytes <= (c.HasDram ? c.UsableDramBytes : c.OnChipCapacityBytes);
            if (w.Model is GraphCatalogModel graph)
            {
                workingPoint.Add(fits ? 1 / p.MeanLatency : 0);
                var g = graph.Model;
                var built = Graphs.GetOrAdd((g.Id + "|" + g.Source, g.DefaultWidth, g.DefaultHeight), key => g.Build(key.Width, key.Height));
                peak.Add(GraphPredictor.Predict(built, c, w.Weights ?? PredictionRequest.DefaultWeights(graph), batch: 8).FramesPerSecond);
            }
            else
            {
                workingPoint.Add(fits ? Math.Sqrt((1 / p.DecodeStep.UnitSeconds) * (1 / p.FirstToken.UnitSeconds)) : 0);
                var llm = (LlmCatalogModel)w.Model;
                var workload = new LlmWorkload(llm.Architecture, w.Weights ?? PredictionRequest.DefaultWeights(llm), KvCacheFormat.F16);
                var short_ = LlmPredictor.Predict(workload, c, new LlmScenario(llm.Architecture.Audio is null ? 128 : 4, 128));
                peak.Add(short_.Fits ? Math.Sqrt(short_.DecodeTokensPerSecond / short_.TimeToFirstToken.Value) : 0);
            }
        }

        return [.. workingPoint, .. peak];
    }

    private static List<PlatformEvaluation> ParetoFront(IReadOnlyList<PlatformEvaluation> feasible)
    {
        // Lower cost and power and higher working-point score are better; unknown cost or power cannot dominate or be dominated on that axis.
        static (double Cost, double Power, double Perf) Axes(PlatformEvaluation e) => (e.CostUsd ?? double.PositiveInfinity, e.AveragePowerW ?? double.PositiveInfinity, e.Score?.WorkingPoint ?? 0);
        return feasible.Where(a => !feasible.Any(b => !ReferenceEquals(a, b) && Dominates(Axes(b), Axes(a)))).ToList();

        static bool Dominates((double Cost, double Power, double Perf) b, (double Cost, double Power, double Perf) a) =>
            b.Cost <= a.Cost && b.Power <= a.Power && b.Perf >= a.Perf && (b.Cost < a.Cost || b.Power < a.Power || b.Perf > a.Perf);
    }

    private static List<RankedPlatform> Rank(IReadOnlyList<PlatformEvaluation> feasible, Priorities weights)
    {
        if (feasible.Count == 0)
        {
            return [];
        }

        // Each axis normalized to the best of the feasible set (1 = best); unknown cost or power counts as the worst. When no
        // feasible platform's average power is known, the power axis tells them nothing apart, so its weight goes to the others.
        if (feasible.All(e => e.AveragePowerW is null) && weights.Performance + weights.Cost > 0)
        {
            weights = (weights with { Power = 0 }).Normalized();
        }

        var bestPerf = feasible.Max(e => e.Score?.WorkingPoint ?? 0);
        var bestPower = feasible.Where(e => e.AveragePowerW is not null).Select(e => e.AveragePowerW!.Value).DefaultIfEmpty(0).Min();
        var bestCost = feasible.Where(e => e.CostUsd is not null).Select(e => e.CostUsd!.Value).DefaultIfEmpty(0).Min();
        return feasible
            .Select(e =>
            {
                var perf = bestPerf > 0 ? (e.Score?.WorkingPoint ?? 0) / bestPerf : 0;
                var power = e.AveragePowerW is { } w && w > 0 ? bestPower / w : 0;
                var cost = e.CostUsd is { } c && c > 0 ? bestCost / c : 0;
                return (e, score: (weights.Performance * perf) + (weights.Power * power) + (weights.Cost * cost), perf, power, cost);
            })
            .OrderByDescending(t => t.score).ThenBy(t => t.e.Platform.Id, StringComparer.Ordinal)
            .Select((t, i) => new RankedPlatform(i + 1, t.e, t.score, t.perf, t.power, t.cost))
            .ToList();
    }

    /// <summary>
    /// Single changes that would turn an infeasible platform feasible: more DRAM bandwidth (the factor needed, by bisection),
    /// every workload one format lower in bits, the next smaller model of a failing workload's family, or lower resolution.
    /// </summary>
    public IReadOnlyList<SensitivityFinding> Sensitivity(UseCase useCase, Platform platform, Runtime? runtime = null)
    {
        var findings = new List<SensitivityFinding>();
        // A change "works" when nothing fails any more; unknown figures (price, power) stay unknown whatever changes.
        bool Meets(UseCase u, double dramFactor = 1) => EvaluateOn(u, WithDramBandwidthScaled(platform, dramFactor), null, runtime).Verdict != Verdict.Fails;
        if (platform.Dram is not null)
        {
            var factor = Bisect(k => Meets(useCase, k), 1, 16);
            if (factor is { } k)
            {
                var gbps = (platform.Dram.PeakBandwidth?.Value ?? 0) * k / 1e9;
                findings.Add(new SensitivityFinding(platform.Id, "more DRAM bandwidth", $"feasible with ×{k:0.##} the DRAM bandwidth (≈{gbps:0} GB/s peak)", k));
            }
        }

        var lower = useCase with
        {
            Workloads = useCase.Workloads.Select(w => w with { Weights = LowerBits(w) }).ToArray(),
        };
        if (lower.Workloads.Zip(useCase.Workloads).Any(p => p.First.Weights != p.Second.Weights) && Meets(lower))
        {
            findings.Add(new SensitivityFinding(platform.Id, "lower-bit weights", "feasible with " + string.Join(", ", lower.Workloads.Zip(useCase.Workloads).Where(p => p.First.Weights != p.Second.Weights).Select(p => $"{p.First.Id} in {p.First.Weights!.Id}")), null));
        }

        foreach (var (w, index) in useCase.Workloads.Select((w, i) => (w, i)))
        {
            foreach (var smaller in SmallerModels(w.Model))
            {
                var swapped = useCase with { Workloads = useCase.Workloads.Select((x, i) => i == index ? x with { Model = smaller } : x).ToArray() };
                if (Meets(swapped))
                {
                    findings.Add(new SensitivityFinding(platform.Id, "smaller model", $"feasible with {w.Id} on {smaller.Id} instead of {w.Model.Id}", null));
                    break;
                }
            }
        }

        if (useCase.Workloads.Any(w => w.Arrival == ArrivalKind.Frames))
        {
            foreach (var scale in new[] { 0.75, 0.5 })
            {
                var scaled = useCase with
                {
                    Workloads = useCase.Workloads.Select(w => w with { Inputs = w.Inputs.Select(s => s with { Width = (int)(s.Width * scale), Height = (int)(s.Height * scale) }).ToArray() }).ToArray(),
                };
                if (Meets(scaled))
                {
                    findings.Add(new SensitivityFinding(platform.Id, "lower resolution", $"feasible with every camera input at {scale:P0} of its width and height", scale));
                    break;
                }
            }
        }

        return findings;
    }

    private static WeightFormat? LowerBits(UseCaseWorkload w) => w.Model switch
    {
        LlmCatalogModel => (w.Weights ?? PredictionRequest.DefaultWeights(w.Model)).Main.BitsPerWeight > WeightFormat.Q4_0.Main.BitsPerWeight ? WeightFormat.Q4_0 : w.Weights,
        _ => (w.Weights ?? PredictionRequest.DefaultWeights(w.Model)) is var current && current.Main.BitsPerWeight > 8 ? WeightFormat.Int8 : current == WeightFormat.Int8 ? WeightFormat.Int4 : w.Weights,
    };

    /// <summary>Catalog models of the same kind and family with fewer parameters, largest first (yolov8s → yolov8n; Qwen2.5-3B → 1.5B → 0.5B).</summary>
    private IEnumerable<CatalogModel> SmallerModels(CatalogModel model) => model switch
    {
        LlmCatalogModel llm => _catalog.Models.OfType<LlmCatalogModel>()
            .Where(m => m.Architecture.Family == llm.Architecture.Family && (m.Architecture.Vision is null) == (llm.Architecture.Vision is null) && m.Architecture.Parameters < llm.Architecture.Parameters)
            .OrderByDescending(m => m.Architecture.Parameters),
        GraphCatalogModel graph => _catalog.Models.OfType<GraphCatalogModel>()
            .Where(m => m.Id != graph.Id && m.Id.Length == graph.Id.Length && m.Id[..^1] == graph.Id[..^1] && m.Model.Build().TotalParameters < graph.Model.Build().TotalParameters)
            .OrderByDescending(m => m.Model.Build().TotalParameters),
        _ => [],
    };

    /// <summary>The least factor in [low, high] for which <paramref name="ok"/> holds (to 1 %), or null if even the high end fails.</summary>
    private static double? Bisect(Func<double, bool> ok, double low, double high)
    {
        if (!ok(high))
        {
            return null;
        }

        for (var i = 0; i < 12 && high / low > 1.01; i++)
        {
            var mid = Math.Sqrt(low * high);
            if (ok(mid))
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        return high;
    }
}
