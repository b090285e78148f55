using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;

namespace WorkingPoint.Evaluation.Solvers;

/// <summary>The largest input that still reaches the frame rate, what it runs as (aligned), and its rate, latency and bottleneck there.</summary>
public sealed record InputAnswer(string Platform, string Model, string Weights, double TargetFps, string LargestInput, string RunsAs, double Fps, double LatencyMs, string Bottleneck);

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
        var ceilings = new Ceilings(platform, request.Fractions);
        var weights = request.WeightsFor(graphModel);
        double Fps(int width) => GraphPredictor.Predict(model.Build(width, Math.Max(1, (int)Math.Round(width * (double)ah / aw))), ceilings, weights, request.Batch).FramesPerSecond;

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
        return new InputAnswer(platform.Id, model.Id, weights.Id, targetFps, $"{low}x{height}", prediction.Input.ToString(), prediction.FramesPerSecond, prediction.Latency.Milliseconds, prediction.Bottleneck.ToId());
    }
}
