using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Units;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Analysis;

/// <summary>One layer's predicted cost.</summary>
public readonly record struct LayerPrediction(int Index, StepCost Cost)
{
    public double Seconds => Cost.Seconds;

    public Resource Binding => Cost.Binding;

    /// <summary>Operations per byte moved off chip (DRAM or host link); infinite when nothing leaves the chip.</summary>
    public double OffChipIntensity => Cost.Ops / Math.Max(Cost.DramBytes + Cost.HostLinkBytes, double.Epsilon);
}

/// <summary>The predicted behaviour of one network at one input size, batch and weight format on one platform.</summary>
public sealed record GraphPrediction(
    string PlatformId,
    string ModelId,
    string WeightFormat,
    TensorShape Input,
    int Batch,
    Precision ExecutedPrecision,
    WeightResidence WeightResidence,
    bool ActivationsOnChip,
    Seconds Latency,
    double FramesPerSecond,
    Ops OpsPerInference,
    Bytes WeightBytes,
    Bytes DramBytesPerInference,
    Bytes HostLinkBytesPerInference,
    Bytes PeakLiveActivations,
    bool Fits,
    Bottleneck Bottleneck,
    Joules? EnergyPerInference,
    Watts? AveragePower,
    bool Throttled,
    double ThrottleSlowdown,
    IReadOnlyList<LayerPrediction> Layers)
{
    /// <summary>Achieved operations per second (the point's height on a roofline).</summary>
    public double AchievedOpsPerSecond => OpsPerInference.Value * FramesPerSecond;

    /// <summary>Operations per off-chip byte (the point's position on a roofline).</summary>
    public double OffChipIntensity => OpsPerInference.Value / Math.Max(DramBytesPerInference.Value + HostLinkBytesPerInference.Value, 1);
}

/// <summary>
/// Per-layer roofline for a network. What lives where decides the bytes: on a dataflow part weights stay on chip when they all fit
/// and activations while the live set fits; on a layer-by-layer part every layer's output goes to DRAM and is read back, and
/// weights stream from DRAM unless they fit on chip beside the working set. An add-in card's inputs and outputs cross the host
/// link, which overlaps with compute from one inference to the next.
/// </summary>
public static class GraphPredictor
{
    public static GraphPrediction Predict(Graph graph, Ceilings c, WeightFormat weights, int batch = 1)
    {
        if (batch < 1)
        {
            throw new InvalidInputException($"Batch must be at least 1, got {batch}.");
        }

        c.RequireComputeAndMemory();
        var platform = c.Platform;
        var precision = weights.ComputePrecision;
        var executed = c.ExecutedPrecision(precision);
        var activationBytes = executed.ActivationBytes();
        var bytesPerWeight = weights.Main.BitsPerWeight / 8;
        var layers = graph.Layers;

        var weightBytes = graph.TotalParameters * bytesPerWeight;
        var execution = c.Unit.Execution;

        // A dataflow pipeline streams a batch's frames one behind the other through stages that each hold one frame's
        // buffers, so its live set is one frame's whatever the batch; a layer-by-layer unit holds the whole batch at once.
        var liveBytes = graph.PeakLiveActivationElements * activationBytes * (execution == ExecutionStyle.Dataflow ? 1 : batch);
        var capacity = c.OnChipCapacityBytes;
        bool weightsOnChip, activationsOnChip;

        // Of weights that do not all fit, the share still read from chip memory: none, unless the runtime caches the part that
        // fits beside the live activations and streams only the rest (the Edge TPU compiler's parameter caching).
        var cachedShare = 0.0;
        if (execution == ExecutionStyle.Dataflow && !c.OnChipCapacityKnown)
        {
            // A dataflow pipeline streams activations from stage to stage on chip by construction; where its memory size is
            // unpublished (Hailo-10H), nothing says the weights fit, so they are taken not to: reloaded every batch.
            weightsOnChip = false;
            activationsOnChip = true;
        }
        else if (execution == ExecutionStyle.Dataflow)
        {
            weightsOnChip = weightBytes <= capacity;
            activationsOnChip = liveBytes <= capacity - (weightsOnChip ? weightBytes : 0);
            if (!weightsOnChip && c.PartialWeightCaching && activationsOnChip)
            {
                cachedShare = (capacity - liveBytes) / weightBytes;
            }
        }
        else
        {
            var largestLayerBytes = 0.0;
            foreach (var layer in layers)
            {
                largestLayerBytes = Math.Max(largestLayerBytes, (layer.InputElements + layer.OutputElements) * activationBytes * batch);
            }

            weightsOnChip = weightBytes + largestLayerBytes <= capacity;
            activationsOnChip = false;
        }

        var residence = weightsOnChip ? WeightResidence.OnChip : c.HasDram ? WeightResidence.Dram : WeightResidence.HostLink;
        var results = new LayerPrediction[layers.Count];
        var device = default(StepCost);
        var fuses = c.FusesLayers;

        // A multi-context runtime loads the weights that do not fit context by context, and a context computes only once loaded.
        var serialReload = c.MultiContext && execution == ExecutionStyle.Dataflow && !weightsOnChip;
        var reloadBytes = 0.0;
        var alignment = c.ChannelAlignment;
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var layerWeights = layer.Parameters * bytesPerWeight;

            // A fusing runtime writes a concatenation's inputs straight into its buffer (no copy, no kernel) and runs an
            // element-wise layer inside the kernel before it: that layer reads its other inputs and writes its output, but
            // neither pays a launch nor moves the tensor between them (counted once, as the producer's output write).
            var fusedElements = fuses ? graph.FusedInputElements(i) : 0;
            var elided = layer.Kind.IsView() || (fuses && layer.Kind == OpKind.Concat);
            var activations = elided ? 0 : Math.Max(0, layer.InputElements + layer.OutputElements - (2 * fusedElements)) * activationBytes * batch;
            double offChip = 0, onChip = 0, link = 0;
            if (weightsOnChip)
            {
                onChip += layerWeights;
            }
            else if (serialReload)
            {
                // Loaded with its context before it computes: costed once, after the loop, in series with the layers.
                reloadBytes += layerWeights;
            }
            else
            {
                onChip += layerWeights * cachedShare;
                if (c.HasDram)
                {
                    offChip += layerWeights * (1 - cachedShare);
                }
                else
                {
                    link += layerWeights * (1 - cachedShare);
                }
            }

            if (activationsOnChip)
            {
                onChip += activations;
            }
            else if (c.HasDram)
            {
                offChip += activations;
            }
            else
            {
                link += activations;
            }

            // A runtime pays its fixed cost per kernel: per layer that computes, not per view (reshape, concat) it folds away
            // nor per layer it fuses into the kernel before it.
            var kernel = !elided && fusedElements == 0;

            // A matrix engine computes in tiles of channels: a dense layer with channels that are not a multiple of the
            // runtime's alignment costs the padded channels' arithmetic (16 → 32 input channels: twice the time).
            var padding = alignment > 1 ? ChannelPadding(graph.MatrixInputChannels(i), alignment) * ChannelPadding(graph.MatrixOutputChannels(i), alignment) : 1;

            // Winograd kernels compute a dense 3×3 stride-1 convolution from fewer multiplications (ncnn's default).
            var arithmetic = padding / (c.WinogradSpeedup > 1 && IsWinogradConvolution(layer) ? c.WinogradSpeedup : 1);
            var cost = StepCost.Of(c, precision, layer.Ops.Value * batch, offChip, onChip, link, kernel ? c.LayerOverheadSeconds : 0, arithmetic);
            results[i] = new LayerPrediction(i, cost);
            device += cost;
        }

        var deviceSeconds = 0.0;
        foreach (var r in results)
        {
            deviceSeconds += r.Seconds;
        }

        var reloadSeconds = 0.0;
        if (reloadBytes > 0)
        {
            var reload = StepCost.Of(c, precision, 0, c.HasDram ? reloadBytes : 0, 0, c.HasDram ? 0 : reloadBytes);
            reloadSeconds = reload.Seconds;
            device += reload;
        }

        deviceSeconds += reloadSeconds;

        // Inputs and outputs of an add-in card cross the host link once per inference.
        var ioBytes = c.Unit.HostLink is null ? 0 : (graph.Input.Elements + graph.OutputElements) * activationBytes * batch;
        var ioSeconds = ioBytes > 0 ? ioBytes / c.HostLinkBytesPerSecond : 0;

        // The per-inference cost (submission, synchronisation, input/output handling) is paid once per batch on a
        // layer-by-layer unit, in series. A dataflow pipeline takes the frames of a batch one at a time (each its own
        // transfer), so it pays that cost per frame; what a batch amortises there is the reload of weights that do not fit.
        var fixedSeconds = c.InferenceOverheadSeconds * (execution == ExecutionStyle.Dataflow ? batch : 1);
        var latency = deviceSeconds + ioSeconds + fixedSeconds;
        var period = Math.Max(deviceSeconds, device.HostLinkSeconds + ioSeconds) + fixedSeconds;

        var dynamicJoules = device.DynamicJoules(c, precision) + (ioBytes * c.HostLinkPicojoulesPerByte * 1e-12);
        var power = PowerOutcome.For(c, dynamicJoules, period);
        latency *= power.SlowdownFactor;
        period *= power.SlowdownFactor;

        var required = (residence == WeightResidence.Dram ? weightBytes : 0) + (activationsOnChip ? 0 : liveBytes);
        var fits = !c.HasDram || required <= c.UsableDramBytes;
        var bottleneck = OverallBottleneck(results, ioSeconds, reloadSeconds, c.HasDram, device.FixedSeconds + fixedSeconds, fits, power.Throttled, weightsOnChip, activationsOnChip, execution);

        return new GraphPrediction(
            platform.Id,
            graph.Name,
            weights.Id,
            graph.Input,
            batch,
            executed,
            residence,
            activationsOnChip,
            new Seconds(latency),
            batch / period,
            new Ops(device.Ops / batch),
            new Bytes(weightBytes),
            new Bytes(device.DramBytes / batch),
            new Bytes((device.HostLinkBytes + ioBytes) / batch),
            new Bytes(liveBytes),
            fits,
            bottleneck,
            power.JoulesPerPass is { } j ? new Joules(j / batch) : null,
            power.AverageWatts is { } w ? new Watts(w) : null,
            power.Throttled,
            power.SlowdownFactor,
            results);
    }

    /// <summary>A dense (ungrouped) 3×3 stride-1 convolution: what Winograd kernels compute from fewer multiplications.</summary>
    public static bool IsWinogradConvolution(Layer layer) =>
        layer.Kind == OpKind.Conv && layer.Structure is { Operator: LayerOperator.Conv, Kernel: 3, Stride: 1, Groups: 1 };

    /// <summary>Padded over actual channels for a tile of <paramref name="alignment"/> channels; 1 where the channels are unknown (0).</summary>
    public static double ChannelPadding(int channels, double alignment) =>
        channels <= 0 || alignment <= 1 ? 1 : Math.Ceiling(channels / alignment) * alignment / channels;

    private static Bottleneck OverallBottleneck(LayerPrediction[] layers, double ioSeconds, double reloadSeconds, bool reloadFromDram, double fixedSeconds, bool fits, bool throttled, bool weightsOnChip, bool activationsOnChip, ExecutionStyle style)
    {
        if (!fits)
        {
            return Bottleneck.MemoryCapacity;
        }

        if (throttled)
        {
            return Bottleneck.PowerCap;
        }

        Span<double> byResource = stackalloc double[4];
        foreach (var layer in layers)
        {
            byResource[(int)layer.Binding] += layer.Cost.RooflineSeconds;
        }

        byResource[(int)Resource.HostLink] += ioSeconds;
        byResource[(int)(reloadFromDram ? Resource.Dram : Resource.HostLink)] += reloadSeconds;
        var top = Resource.Compute;
        for (var r = 1; r < 4; r++)
        {
            if (byResource[r] > byResource[(int)top])
            {
                top = (Resource)r;
            }
        }

        if (fixedSeconds > byResource[(int)top])
        {
            return Bottleneck.RuntimeOverhead;
        }

        var spilled = style == ExecutionStyle.Dataflow && (!weightsOnChip || !activationsOnChip);
        return top switch
        {
            Resource.Compute => Bottleneck.Compute,
            Resource.OnChip => Bottleneck.OnChipBandwidth,
            Resource.Dram => spilled ? Bottleneck.OnChipCapacity : Bottleneck.DramBandwidth,
            _ => spilled ? Bottleneck.OnChipCapacity : Bottleneck.HostLink,
        };
    }
}
