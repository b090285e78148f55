using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Evaluation.Solvers;

/// <summary>The largest input that still reaches the frame rate, what it runs as (aligned), and its rate, latency and bottleneck there.</summary>
public sealed record InputAnswer(string Platform, string Model, string Weights, double TargetFps, string LargestInput, string RunsAs, double Fps, double LatencyMs, string Bottleneck, InputStep NextSize, InputCliffAnswer? Cliff);

/// <summary>The input one alignment step above the answer: its rate and bottleneck.</summary>
public sealed record InputStep(string Input, double Fps, string Bottleneck);

/// <summary>The sizes either side of the nearest change in how the network runs, their rates and bottlenecks, and what changes.</summary>
public sealed record InputCliffAnswer(string Below, double BelowFps, string BelowBottleneck, string Above, double AboveFps, string AboveBottleneck, string Change);

/// <summary><c>wpt solve input</c>: the largest input size of a network that meets a frame rate on a platform.</summary>
public static class InputSolver
{
    /// <summary>Bisects on the width (the height follows <paramref name="aspect"/>, default the model's reference input).</summary>
    public static InputAnswer Solve(Catalog.Catalog catalog, Platform platform, string modelId, PredictionRequest request, double targetFps, (int Width, int Height)? aspect = null)
    {
        if (catalog.ResolveModel(modelId) is not GraphCatalogModel graphModel)
        {
            throw new InvalidInputException($"'{modelId}' is an LLM; 'solve input' answers for networks. Use 'solve model' or 'solve bandwidth' for LLMs.");
        }

        var model = graphModel.Model;
        var (aw, ah) = aspect ?? (model.DefaultWidth, model.DefaultHeight);
        var ceilings = Predictions.CeilingsFor(graphModel, platform, request);
        var weights = request.WeightsFor(graphModel);
        GraphPrediction At(int width) => GraphPredictor.Predict(model.Build(width, Math.Max(1, (int)Math.Round(width * (double)ah / aw))), ceilings, weights, request.Batch);
        double Fps(int width) => At(width).FramesPerSecond;
        string Size(int width) => $"{width}x{Math.Max(1, (int)Math.Round(width * (double)ah / aw))}";

        // Frame rate falls as the input grows, so bisect on the width in steps of the network's alignment.
        var step = Math.Max(model.Alignment, 8);
        int low = step, high = 8192;
        if (Fps(low) < targetFps)
        {
            throw new InvalidInputException($"Even a {low}-pixel-wide input misses {targetFps} FPS for {model.Id} on {platform.Id} ({Formatting.Number(Fps(low))} FPS); the target is not reachable on this platform.");
        }

        while (high - low > step)
        {
            var mid = (low + high) / 2 / step * step;
            if (Fps(mid) >= targetFps)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        var height = Math.Max(1, (int)Math.Round(low * (double)ah / aw));
        var prediction = GraphPredictor.Predict(model.Build(low, height), ceilings, weights, request.Batch);
        var next = At(low + step);
        var cliff = InputCliff.Find(At, step, low + step) is { } c
            ? new InputCliffAnswer(Size(c.Below), c.BelowPrediction.FramesPerSecond, c.BelowPrediction.Bottleneck.ToId(), Size(c.Above), c.AbovePrediction.FramesPerSecond, c.AbovePrediction.Bottleneck.ToId(), c.Change)
            : null;
        return new InputAnswer(
            platform.Id, model.Id, weights.Id, targetFps, $"{low}x{height}", prediction.Input.ToString(), prediction.FramesPerSecond, prediction.Latency.Milliseconds, prediction.Bottleneck.ToId(),
            new InputStep(Size(low + step), next.FramesPerSecond, next.Bottleneck.ToId()),
            cliff);
    }
}

/// <summary>
/// Where growing the input changes how a network runs: the nearest width at which the bottleneck, the weights' place or the
/// activations' place changes, with the prediction on each side (the cliff a frame-rate answer alone hides).
/// </summary>
public static class InputCliff
{
    public sealed record Found(int Below, GraphPrediction BelowPrediction, int Above, GraphPrediction AbovePrediction, string Change);

    /// <summary>The change nearest to <paramref name="upTo"/> among widths step, 2·step, …, <paramref name="upTo"/>; null when none.</summary>
    public static Found? Find(Func<int, GraphPrediction> at, int step, int upTo)
    {
        // A coarse scan (at most about 128 predictions), then bisection down to one step between the last two differing sizes.
        var stride = step * Math.Max(1, (int)Math.Ceiling(upTo / (double)step / 128));
        var widths = Enumerable.Range(0, (upTo / stride) + 1).Select(i => Math.Max(step, i * stride)).Append(upTo).Distinct().Order().ToArray();
        var states = widths.Select(w => (Width: w, Prediction: at(w))).ToArray();
        for (var i = states.Length - 1; i > 0; i--)
        {
            if (State(states[i - 1].Prediction) == State(states[i].Prediction))
            {
                continue;
            }

            var (low, lowPrediction, high, highPrediction) = (states[i - 1].Width, states[i - 1].Prediction, states[i].Width, states[i].Prediction);
            while (high - low > step)
            {
                var mid = (low + high) / 2 / step * step;
                var midPrediction = at(mid);
                if (State(midPrediction) == State(highPrediction))
                {
                    (high, highPrediction) = (mid, midPrediction);
                }
                else
                {
                    (low, lowPrediction) = (mid, midPrediction);
                }
            }

            return new Found(low, lowPrediction, high, highPrediction, Describe(lowPrediction, highPrediction));
        }

        return null;
    }

    private static (Bottleneck, WeightResidence, bool) State(GraphPrediction p) => (p.Bottleneck, p.WeightResidence, p.ActivationsOnChip);

    private static string Describe(GraphPrediction below, GraphPrediction above)
    {
        var parts = new List<string>();
        if (below.WeightResidence != above.WeightResidence)
        {
            parts.Add(below.WeightResidence == WeightResidence.OnChip
                ? $"the weights no longer fit on chip ({(above.WeightResidence == WeightResidence.HostLink ? "streamed over the host link" : "read from DRAM")})"
                : $"the weights move from {Where(below.WeightResidence)} to {Where(above.WeightResidence)}");
        }

        if (below.ActivationsOnChip != above.ActivationsOnChip)
        {
            parts.Add(below.ActivationsOnChip ? "the activations no longer fit on chip" : "the activations fit on chip again");
        }

        if (below.Bottleneck != above.Bottleneck)
        {
            parts.Add($"the bottleneck changes from {below.Bottleneck.ToId()} to {above.Bottleneck.ToId()}");
        }

        return string.Join("; ", parts);
    }

    private static string Where(WeightResidence residence) => residence switch
    {
        WeightResidence.OnChip => "on chip",
        WeightResidence.Dram => "DRAM",
        _ => "the host link",
    };
}
