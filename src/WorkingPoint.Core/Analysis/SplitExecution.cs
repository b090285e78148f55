using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Core.Analysis;

/// <summary>
/// One stage of a split model: a compute unit (as its runtime uses it) running <paramref name="Layers"/> consecutive transformer
/// layers; the stage that <paramref name="HoldsOutput"/> also runs the output projection (and pays the per-request cost).
/// </summary>
/// <param name="Device">Which device of the platform's kind the stage runs on: stages on one device share its memory; two
/// modules of one kind (two Hailo-10H cards) are devices 0 and 1.</param>
public sealed record SplitStage(Ceilings Ceilings, int Layers, bool HoldsOutput, int Device = 0)
{
    /// <summary>A stage with nothing to run (llama.cpp's CPU at -ngl beyond the layer count): it costs nothing and is not crossed.</summary>
    public bool IsEmpty => Layers == 0 && !HoldsOutput;
}

/// <summary>
/// An LLM's layers split over compute units, in execution order: each token's hidden state runs through the stages one after
/// another, and crosses from one stage to the next.
/// </summary>
public sealed record SplitPlan(IReadOnlyList<SplitStage> Stages)
{
    /// <summary>
    /// llama.cpp's GPU offload (<c>-ngl N</c>, llama-model.cpp <c>load_tensors</c>): of the model's L layers and its output layer
    /// (L + 1 slots), the last N go to the GPU — N = 1 offloads only the output layer, N = L + 1 everything; the first
    /// L + 1 − N layers stay on the CPU. llama.cpp keeps the input embedding on the CPU whatever N is; here its one row per token is
    /// read by the stage that runs layer 0, so that N = L + 1 is the GPU-only prediction.
    /// </summary>
    public static SplitPlan GpuLayers(Ceilings cpu, Ceilings gpu, int gpuLayers, int modelLayers)
    {
        if (gpuLayers < 0 || gpuLayers > modelLayers + 1)
        {
            throw new InvalidInputException($"--gpu-layers {gpuLayers} is out of range: the model has {modelLayers} layers and an output layer; give 0 to {modelLayers + 1} ({modelLayers + 1} puts all of it on the GPU).");
        }

        return gpuLayers == 0
            ? new SplitPlan([new SplitStage(cpu, modelLayers, true), new SplitStage(gpu, 0, false)])
            : new SplitPlan([new SplitStage(cpu, modelLayers + 1 - gpuLayers, false), new SplitStage(gpu, gpuLayers - 1, true)]);
    }

    /// <summary>A model pipelined over accelerators in order, its layers split evenly (earlier stages take the remainder); the last runs the output layer.</summary>
    public static SplitPlan Pipeline(IReadOnlyList<Ceilings> stages, int modelLayers)
    {
        if (stages.Count == 0 || stages.Count > modelLayers)
        {
            throw new InvalidInputException($"A pipeline needs 1 to {modelLayers} stages (one layer each at least), got {stages.Count}.");
        }

        var each = modelLayers / stages.Count;
        var extra = modelLayers % stages.Count;
        return new SplitPlan(stages.Select((c, i) => new SplitStage(c, each + (i < extra ? 1 : 0), i == stages.Count - 1, i)).ToArray());
    }

    /// <summary>Checks the stages cover the model's layers exactly once and the output layer runs last.</summary>
    public SplitPlan Validate(int modelLayers)
    {
        var last = Stages.Count - 1;
        while (last >= 0 && Stages[last].IsEmpty)
        {
            last--;
        }

        if (Stages.Any(s => s.Layers < 0) || Stages.Sum(s => s.Layers) != modelLayers || last < 0 || !Stages[last].HoldsOutput || Stages.Count(s => s.HoldsOutput) != 1)
        {
            throw new InvalidInputException($"A split must give each of the model's {modelLayers} layers to one stage and the output layer to the last stage that runs; got {string.Join(", ", Stages.Select(s => $"{s.Ceilings.Unit.Id}: {s.Layers}{(s.HoldsOutput ? " + output" : string.Empty)}"))}.");
        }

        return this;
    }
}

/// <summary>How the hidden state gets from one stage to the next: through the shared DRAM, or over one or two host links.</summary>
/// <param name="Via">"shared DRAM", or the link(s), e.g. "PCIe Gen3 x1 → host → PCIe Gen3 x1".</param>
/// <param name="SecondsPerByte">Time per byte crossed (every hop in series).</param>
/// <param name="LatencySeconds">Fixed time per crossing (every hop's, assumed: see <see cref="SplitExecution.AssumedLinkLatencySeconds"/>).</param>
public sealed record SplitCrossing(int FromStage, int ToStage, string Via, double SecondsPerByte, double LatencySeconds)
{
    public double Seconds(double bytes, double crossings = 1) => (bytes * SecondsPerByte) + (crossings * LatencySeconds);
}

/// <summary>One stage's share of a split prediction (times before any power cap).</summary>
public sealed record SplitStagePrediction(
    string PlatformId,
    int Device,
    string UnitId,
    string UnitName,
    string? RuntimeId,
    int FirstLayer,
    int Layers,
    bool HoldsOutput,
    Seconds DecodeStep,
    Resource DecodeBinding,
    Seconds Prefill,
    Resource PrefillBinding,
    Bytes WeightBytes);

/// <summary>The memory one platform of a split needs for its stages' weights, KV cache and workspace.</summary>
public sealed record SplitMemory(string PlatformId, int Device, Bytes Required, Bytes? Available, bool Fits);

/// <summary>The predicted behaviour of a split LLM: per stage, the crossings, and the whole.</summary>
/// <param name="DecodeStep">Time per generated token of one sequence: every stage and crossing in series (after any power cap).</param>
/// <param name="PipelinedTokensPerSecond">With one batch per stage in flight, a batch leaves the pipeline every slowest stage or crossing: batch ÷ that time.</param>
public sealed record SplitPrediction(
    string ModelId,
    string WeightFormat,
    string KvCacheFormat,
    LlmScenario Scenario,
    IReadOnlyList<SplitStagePrediction> Stages,
    IReadOnlyList<SplitCrossing> Crossings,
    Seconds DecodeTransfer,
    Seconds PrefillTransfer,
    Seconds DecodeStep,
    double DecodeTokensPerSecond,
    double AggregateDecodeTokensPerSecond,
    double PipelinedTokensPerSecond,
    Seconds VisionEncode,
    Seconds Prefill,
    double PrefillTokensPerSecond,
    Seconds TimeToFirstToken,
    Seconds Total,
    IReadOnlyList<SplitMemory> Memories,
    bool Fits,
    Bottleneck Bottleneck,
    Joules? EnergyPerToken,
    Watts? AverageDecodePower,
    bool Throttled);

/// <summary>
/// An LLM split over compute units (llama.cpp's GPU offload, or a pipeline over accelerators). For one sequence the stages run in
/// series, each on its own unit's ceilings with its own runtime's shares and fixed costs; between stages the hidden state
/// (hidden size × 4 bytes per token: llama.cpp hands fp32 activations between backends) crosses through the shared DRAM
/// (written, then read) or over the host link of each unit behind one.
///
/// A stage's cost is its share of the whole model's step on its unit. The roofline is linear in ops and bytes, so the whole
/// step W on a unit splits into the output projection's part H (ops, weights, the per-request cost) and the layers' part W − H,
/// and a stage with a share s of the layers and o ∈ {0, 1} of the output layer costs (W − H)·s + H·o = W·s + H·(o − s), per
/// resource; the stage takes the longest resource plus its fixed cost. Layers are taken as equal (the per-layer mixes of
/// Q4_K_M and the alternation of windowed layers are averaged over them). A stage with every layer and the output layer has
/// s = o = 1 and costs W·1 + H·0 = W: the single-unit prediction, to the last bit.
/// </summary>
public static class SplitExecution
{
    /// <summary>Bytes per hidden-state element crossing between stages: llama.cpp copies fp32 activations between backends.</summary>
    public const double HiddenStateBytesPerElement = 4;

    /// <summary>
    /// Fixed time per crossing of a host link (assumed, stated in docs/model.md): PCIe 10 µs for a DMA submitted and completed
    /// through a driver; USB 125 µs, one high-speed microframe, the interval at which the host schedules a transfer.
    /// </summary>
    public static double AssumedLinkLatencySeconds(HostLink link) => link.Kind is HostLinkKind.Usb2 or HostLinkKind.Usb3Gen1 or HostLinkKind.Usb3Gen2 ? 125e-6 : 10e-6;

    /// <summary>How the hidden state crosses from stage <paramref name="a"/> to stage <paramref name="b"/>.</summary>
    public static SplitCrossing CrossingBetween(int fromIndex, SplitStage from, int toIndex, SplitStage to)
    {
        var (a, b) = (from.Ceilings, to.Ceilings);
        var sameDevice = from.Device == to.Device;
        if (sameDevice && a.Unit.HostLink is null && b.Unit.HostLink is null)
        {
            // Written by one unit and read by the other through the memory both share; without DRAM, through on-chip memory.
            var bytesPerSecond = a.HasDram ? a.DramBytesPerSecond : a.OnChipBytesPerSecond;
            return new SplitCrossing(fromIndex, toIndex, a.HasDram ? "shared DRAM" : "shared on-chip memory", bytesPerSecond > 0 ? 2 / bytesPerSecond : 0, 0);
        }

        if (!sameDevice)
        {
            foreach (var c in new[] { a, b })
            {
                if (c.Unit.HostLink is null)
                {
                    throw new InvalidInputException($"Pipelining over '{a.Platform.Id}' and '{b.Platform.Id}' needs each to be an accelerator behind a host link; '{c.Platform.Id}' has none, so nothing says how the hidden state would reach it.");
                }
            }
        }

        // Each unit behind a link receives or sends the hidden state over it; two accelerators exchange it through the host.
        var hops = new[] { a, b }.Where(c => c.Unit.HostLink is not null).ToArray();
        return new SplitCrossing(
            fromIndex,
            toIndex,
            string.Join(" → host → ", hops.Select(c => c.Unit.HostLink!.ToString())),
            hops.Sum(c => 1 / c.HostLinkBytesPerSecond),
            hops.Sum(c => AssumedLinkLatencySeconds(c.Unit.HostLink!)));
    }

    /// <summary>The output projection's share of a decode step of <paramref name="batch"/> sequences on <paramref name="c"/>.</summary>
    public static StepCost DecodeHead(LlmWorkload w, Ceilings c, int batch) =>
        HeadCost(w, c, batch * w.LmHeadOpsPerToken, 0);

    /// <summary>The output projection's share of a prefill, with the per-request cost the stage that holds it pays.</summary>
    public static StepCost PrefillHead(LlmWorkload w, Ceilings c, int batch) =>
        HeadCost(w, c, batch * w.LmHeadOpsPerToken, c.InferenceOverheadSeconds);

    /// <summary>The time one transformer layer adds to a decode step on a unit: the layers' part of the step, per layer, slowest resource plus fixed cost.</summary>
    public static double PerLayerDecodeSeconds(LlmWorkload w, Ceilings c, double context, int batch = 1)
    {
        var layers = Share(LlmPredictor.DecodeStep(w, c, context, batch), DecodeHead(w, c, batch), 1, 0);
        return layers.Seconds / w.Architecture.Layers;
    }

    /// <summary>A stage's share of the whole step: W·s + H·(o − s) per resource (see the class summary).</summary>
    public static StepCost Share(StepCost whole, StepCost head, double layerShare, double outputShare)
    {
        var headWeight = outputShare - layerShare;
        return headWeight == 0 ? Scale(whole, layerShare) : Scale(whole, layerShare) + Scale(head, headWeight);
    }

    /// <summary>Decode and prefill of <paramref name="w"/> split as <paramref name="plan"/> says.</summary>
    public static SplitPrediction Predict(LlmWorkload w, SplitPlan plan, LlmScenario scenario, Func<Seconds>? visionEncode = null)
    {
        scenario.Validate();
        var arch = w.Architecture;
        plan.Validate(arch.Layers);
        var imageTokens = scenario.Images > 0 && arch.Vision is { } vision ? scenario.Images * vision.ImageTokens(scenario.ImageWidth, scenario.ImageHeight) : 0;
        var prompt = scenario.PromptTokens + imageTokens;
        var encoderPasses = imageTokens > 0 ? scenario.Images : arch.Audio is not null && scenario.AudioSeconds > 0 ? AudioEncoderSpec.Windows(scenario.AudioSeconds) : 0;
        var visionTime = encoderPasses > 0 && visionEncode is not null ? visionEncode() * encoderPasses : Seconds.Zero;
        var meanContext = prompt + (scenario.GeneratedTokens / 2.0);
        var precision = w.ComputePrecision;

        var running = plan.Stages.Select((s, i) => (Stage: s, Index: i)).Where(x => !x.Stage.IsEmpty).ToArray();
        var stages = new List<SplitStagePrediction>();
        var decodeCosts = new StepCost[running.Length];
        var prefillCosts = new StepCost[running.Length];
        var firstLayer = 0;
        for (var i = 0; i < plan.Stages.Count; i++)
        {
            var stage = plan.Stages[i];
            var c = stage.Ceilings.RequireComputeAndMemory();
            var at = Array.FindIndex(running, x => x.Index == i);
            if (at >= 0)
            {
                var s = (double)stage.Layers / arch.Layers;
                var o = stage.HoldsOutput ? 1.0 : 0.0;
                decodeCosts[at] = Share(LlmPredictor.DecodeStep(w, c, meanContext, scenario.Batch), DecodeHead(w, c, scenario.Batch), s, o);
                prefillCosts[at] = prompt > 0
                    ? Share(LlmPredictor.PrefillPass(w, c, prompt, scenario.Batch, scenario.PrefillChunkTokens), PrefillHead(w, c, scenario.Batch), s, o)
                    : default;
                stages.Add(new SplitStagePrediction(
                    c.Platform.Id,
                    stage.Device,
                    c.Unit.Id,
                    c.Unit.Name,
                    c.Runtime?.Id,
                    firstLayer,
                    stage.Layers,
                    stage.HoldsOutput,
                    new Seconds(decodeCosts[at].Seconds),
                    decodeCosts[at].Binding,
                    new Seconds(prefillCosts[at].Seconds),
                    prefillCosts[at].Binding,
                    new Bytes((w.WeightBytes * s) + (w.LmHeadBytes * (o - s)))));
            }

            firstLayer += stage.Layers;
        }

        // The hidden state of every token in flight crosses each boundary between stages that run.
        var crossings = new List<SplitCrossing>();
        for (var k = 1; k < running.Length; k++)
        {
            crossings.Add(CrossingBetween(running[k - 1].Index, running[k - 1].Stage, running[k].Index, running[k].Stage));
        }

        var hiddenBytes = arch.HiddenSize * HiddenStateBytesPerElement;
        var decodeTransfer = crossings.Sum(x => x.Seconds(scenario.Batch * hiddenBytes));
        var prefillChunks = Math.Ceiling((double)scenario.Batch * prompt / scenario.PrefillChunkTokens);
        var prefillTransfer = prompt > 0 ? crossings.Sum(x => x.Seconds(scenario.Batch * prompt * hiddenBytes, prefillChunks)) : 0;

        double decodeStep = 0, prefillStep = 0;
        for (var k = 0; k < running.Length; k++)
        {
            decodeStep += decodeCosts[k].Seconds;
            prefillStep += prefillCosts[k].Seconds;
        }

        decodeStep += decodeTransfer;
        prefillStep += prefillTransfer;

        // Power per device: its stages' energy over the whole step (a unit idles on the platform's power while another works).
        double decodeSlowdown = 1, prefillSlowdown = 1;
        double? decodeJoules = 0;
        double? decodeWatts = 0;
        var throttled = false;
        foreach (var group in Enumerable.Range(0, running.Length).GroupBy(k => running[k].Stage.Device))
        {
            var c = running[group.First()].Stage.Ceilings;
            double decodeDynamic = 0, prefillDynamic = 0;
            foreach (var k in group)
            {
                decodeDynamic += decodeCosts[k].DynamicJoules(running[k].Stage.Ceilings, precision);
                prefillDynamic += prefillCosts[k].DynamicJoules(running[k].Stage.Ceilings, precision);
            }

            var decodePower = PowerOutcome.For(c, decodeDynamic, decodeStep);
            var prefillPower = prefillStep > 0 ? PowerOutcome.For(c, prefillDynamic, prefillStep, burst: true) : new PowerOutcome(null, null, false, 1);
            decodeSlowdown = Math.Max(decodeSlowdown, decodePower.SlowdownFactor);
            prefillSlowdown = Math.Max(prefillSlowdown, prefillPower.SlowdownFactor);
            throttled |= decodePower.Throttled || prefillPower.Throttled;
            decodeJoules = decodePower.JoulesPerPass is { } j && decodeJoules is { } dj ? dj + j : null;
            decodeWatts = decodePower.AverageWatts is { } aw && decodeWatts is { } dw ? dw + aw : null;
        }

        var decodeSeconds = decodeStep * decodeSlowdown;
        var prefillSeconds = prefillStep * prefillSlowdown;
        var ttft = visionTime + new Seconds(prefillSeconds);
        var total = ttft + new Seconds(decodeSeconds * scenario.GeneratedTokens);
        var slowest = Math.Max(decodeCosts.Max(x => x.Seconds), crossings.Count == 0 ? 0 : crossings.Max(x => x.Seconds(scenario.Batch * hiddenBytes)));

        var memories = Memories(w, plan, scenario);
        var fits = memories.All(m => m.Fits);
        var slowestStage = Enumerable.Range(0, running.Length).MaxBy(k => decodeCosts[k].Seconds);
        var slowestCeilings = running[slowestStage].Stage.Ceilings;
        var bottleneck = !fits ? Bottleneck.MemoryCapacity
            : throttled ? Bottleneck.PowerCap
            : crossings.Count > 0 && crossings.Max(x => x.Seconds(scenario.Batch * hiddenBytes)) > decodeCosts[slowestStage].Seconds ? crossings.Any(x => x.Via.Contains("PCIe", StringComparison.Ordinal) || x.Via.Contains("USB", StringComparison.Ordinal)) ? Bottleneck.HostLink : Bottleneck.DramBandwidth
            : decodeCosts[slowestStage].OverheadBound ? Bottleneck.RuntimeOverhead
            : LlmPredictor.BottleneckOf(decodeCosts[slowestStage].Binding, LlmPredictor.ResidenceOf(w, slowestCeilings));
        Joules? energyPerToken = decodeJoules is { } e ? new Joules(e / scenario.Batch) : null;
        return new SplitPrediction(
            arch.Id,
            w.Weights.Id,
            w.KvCache.Id,
            scenario,
            stages,
            crossings,
            new Seconds(decodeTransfer),
            new Seconds(prefillTransfer),
            new Seconds(decodeSeconds),
            1 / decodeSeconds,
            scenario.Batch / decodeSeconds,
            scenario.Batch / (slowest * decodeSlowdown),
            visionTime,
            new Seconds(prefillSeconds),
            prefillSeconds > 0 ? scenario.Batch * prompt / prefillSeconds : 0,
            ttft,
            total,
            memories,
            fits,
            bottleneck,
            energyPerToken,
            decodeWatts is { } watts ? new Watts(watts) : null,
            throttled);
    }

    /// <summary>
    /// Memory per platform. Units of one platform share its memory, which holds the whole model as a single-unit run does; an
    /// accelerator of a pipeline holds its stages' weights and KV cache, and a workspace as large as the whole model's.
    /// </summary>
    private static IReadOnlyList<SplitMemory> Memories(LlmWorkload w, SplitPlan plan, LlmScenario scenario)
    {
        var byPlatform = plan.Stages.Where(s => !s.IsEmpty).GroupBy(s => s.Device).ToArray();
        var memoryText = new List<SplitMemory>();
        foreach (var group in byPlatform)
        {
            var output = group.FirstOrDefault(s => s.HoldsOutput) ?? group.First();
            var whole = LlmPredictor.Predict(w, output.Ceilings, scenario);
            if (byPlatform.Length == 1)
            {
                memoryText.Add(new SplitMemory(output.Ceilings.Platform.Id, group.Key, whole.MemoryRequired, whole.MemoryAvailable, whole.Fits));
                continue;
            }

            var weightsHeld = whole.WeightResidence == WeightResidence.HostLink ? 0 : w.WeightBytes;
            var workspace = whole.MemoryRequired.Value - weightsHeld - whole.KvCacheBytes.Value;
            var s = (double)group.Sum(x => x.Layers) / w.Architecture.Layers;
            var o = group.Any(x => x.HoldsOutput) ? 1.0 : 0.0;
            var required = workspace + ((weightsHeld + whole.KvCacheBytes.Value) * s) + (weightsHeld > 0 ? w.LmHeadBytes * (o - s) : 0);
            memoryText.Add(new SplitMemory(output.Ceilings.Platform.Id, group.Key, new Bytes(required), whole.MemoryAvailable, required <= whole.MemoryAvailable?.Value));
        }

        return memoryText;
    }

    private static StepCost HeadCost(LlmWorkload w, Ceilings c, double ops, double fixedSeconds)
    {
        var residence = LlmPredictor.ResidenceOf(w, c);
        return StepCost.Of(
            c,
            w.ComputePrecision,
            ops,
            residence == WeightResidence.Dram ? w.LmHeadBytes : 0,
            residence == WeightResidence.OnChip ? w.LmHeadBytes : 0,
            residence == WeightResidence.HostLink ? w.LmHeadBytes : 0,
            fixedSeconds);
    }

    private static StepCost Scale(StepCost x, double f) => new(
        x.ComputeSeconds * f,
        x.DramSeconds * f,
        x.OnChipSeconds * f,
        x.HostLinkSeconds * f,
        x.Ops * f,
        x.DramBytes * f,
        x.OnChipBytes * f,
        x.HostLinkBytes * f,
        x.FixedSeconds * f);
}
