using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation.Calibration;
using WorkingPoint.Results;

namespace WorkingPoint.Evaluation.Published;

/// <summary>
/// A published row the analytic model can predict: the catalog model and platform it names, the request that reproduces its
/// settings on the runtime it names, and the figure of a prediction compared with the measured value.
/// </summary>
public sealed record PublishedCase(PublishedRow Row, CatalogModel Model, Platform Platform, Runtime Runtime, PredictionRequest Request) : ICalibrationRow
{
    /// <summary>The calibration group: the runtime (an alias such as ollama-cpu counts as the runtime it names).</summary>
    public string Group => Runtime.Id;

    public string ModelId => Row.Model;

    public string PlatformId => Row.Platform;

    public double Measured => Row.Value;

    public Func<ModelPrediction, double> Figure => PublishedDataset.FigureOf(Row.Metric);

    /// <summary>The predicted figure with the row's own request, or with <paramref name="request"/> (calibration varies it).</summary>
    public double Predict(PredictionRequest? request = null) => Figure(Predictions.Predict(Model, Platform, request ?? Request));
}

/// <summary>A published row that cannot be compared with a prediction, and why.</summary>
public sealed record UnpredictableRow(PublishedRow Row, string Reason)
{
    public override string ToString() => $"{Row.Id} ({Row.Platform}, {Row.Model}, {Row.Metric.Id()}): {Reason}";
}

/// <summary>The dataset resolved against a catalog: the rows it can predict, and the rest with the reason.</summary>
public sealed record ResolvedDataset(IReadOnlyList<PublishedCase> Cases, IReadOnlyList<UnpredictableRow> NotPredictable);

public static class PublishedCases
{
    /// <summary>
    /// Each row's model and platform looked up in <paramref name="catalog"/> (by id only: a dataset never reads other files) and
    /// predicted once; a row whose model or platform the catalog lacks, whose metric does not fit the model's kind, or that the
    /// model cannot predict is returned in <see cref="ResolvedDataset.NotPredictable"/> with the reason.
    /// </summary>
    public static ResolvedDataset Resolve(IEnumerable<PublishedRow> rows, Catalog.Catalog catalog)
    {
        var cases = new List<PublishedCase>();
        var unpredictable = new List<UnpredictableRow>();
        foreach (var row in rows)
        {
            var model = catalog.Models.FirstOrDefault(m => m.Id == row.Model);
            var platform = catalog.Platforms.FirstOrDefault(p => p.Id == row.Platform);
            var runtime = RuntimeOf(row.Runtime, row.Unit, catalog);
            string? reason = model is null ? $"model '{row.Model}' is not in the catalog"
                : platform is null ? $"platform '{row.Platform}' is not in the catalog"
                : runtime is null ? $"runtime '{row.Runtime}' is not in the catalog (wpt runtimes lists them)"
                : row.Metric.NeedsPrompt() && row.PromptTokens is null or 0 ? $"{row.Metric.Id()} depends on the prompt length, and the row gives no prompt_tokens"
                : row.Metric.IsLlm() && model is not LlmCatalogModel ? $"{row.Metric.Id()} is an LLM figure but {row.Model} is a network"
                : !row.Metric.IsLlm() && model is not GraphCatalogModel ? $"{row.Metric.Id()} is a network figure but {row.Model} is an LLM"
                : null;
            if (reason is not null)
            {
                unpredictable.Add(new UnpredictableRow(row, reason));
                continue;
            }

            var candidate = new PublishedCase(row, model!, platform!, runtime!, RequestFor(row, runtime!));
            try
            {
                var predicted = candidate.Predict();
                if (double.IsFinite(predicted) && predicted > 0)
                {
                    cases.Add(candidate);
                }
                else
                {
                    unpredictable.Add(new UnpredictableRow(row, $"the model predicts no {row.Metric.Id()} figure ({predicted})"));
                }
            }
            catch (WorkingPointException ex)
            {
                unpredictable.Add(new UnpredictableRow(row, ex.Message));
            }
        }

        return new ResolvedDataset(cases, unpredictable);
    }

    /// <summary>
    /// The catalog runtime a row names: the runtime's variant for the row's unit where one exists (pytorch on a cpu is
    /// pytorch-cpu), else by id or alias, else a runtime driven by the harness of that id (ultralytics-tensorrt: tensorrt,
    /// calibrated in tensorrt's group); null when the catalog has none.
    /// </summary>
    public static Runtime? RuntimeOf(string id, string? unit, Catalog.Catalog catalog) =>
        (unit is null ? null : catalog.Runtimes.FirstOrDefault(r => r.Id == $"{id}-{unit}"))
        ?? catalog.Runtimes.FirstOrDefault(r => r.Id == id) ?? catalog.Runtimes.FirstOrDefault(r => r.Aliases.Contains(id))
        ?? catalog.Runtimes.Select(r => r.WithHarness(id)).FirstOrDefault(r => r is not null);

    /// <summary>The request that reproduces the row's settings on <paramref name="runtime"/>: weights, prompt and generated tokens and batch, or input size and batch.</summary>
    public static PredictionRequest RequestFor(PublishedRow row, Runtime runtime)
    {
        var weights = WeightFormat.Parse(row.Weights);
        if (row.Metric.IsLlm())
        {
            var prompt = row.PromptTokens ?? 0;
            var generated = row.GeneratedTokens ?? (row.Metric == PublishedMetric.DecodeTokensPerSecond ? PublishedDataset.DefaultGeneratedTokens : 0);
            var scenario = new LlmScenario(prompt, generated, row.Batch, AudioSeconds: row.AudioSeconds ?? 0);
            if (row.InputWidth is { } w && row.InputHeight is { } h)
            {
                scenario = scenario with { Images = 1, ImageWidth = w, ImageHeight = h };
            }

            return new PredictionRequest(weights, Generation: scenario.Validate(), Batch: row.Batch, Runtime: runtime);
        }

        return new PredictionRequest(weights, InputWidth: row.InputWidth, InputHeight: row.InputHeight, Batch: row.Batch, Runtime: runtime);
    }
}
