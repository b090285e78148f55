using WorkingPoint.Core;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Results;

namespace WorkingPoint.Evaluation.Published;

/// <summary>What a published figure measures. Ids as in the dataset's <c>metric</c> column.</summary>
public enum PublishedMetric
{
    /// <summary><c>tg_tok_s</c>: generated tokens per second of one sequence (llama-bench's tg).</summary>
    DecodeTokensPerSecond,

    /// <summary><c>pp_tok_s</c>: prompt tokens processed per second (llama-bench's pp); prompt_tokens required.</summary>
    PrefillTokensPerSecond,

    /// <summary><c>ttft_ms</c>: time to the first token; prompt_tokens required.</summary>
    TimeToFirstTokenMs,

    /// <summary><c>fps</c>: frames per second at the row's batch.</summary>
    FramesPerSecond,

    /// <summary><c>latency_ms</c>: time for one inference (one batch).</summary>
    LatencyMs,

    /// <summary><c>offline_samples_s</c>: MLPerf Offline samples per second, compared with the frame rate at the row's batch.</summary>
    OfflineSamplesPerSecond,

    /// <summary><c>singlestream_p90_ms</c>: MLPerf SingleStream 90th-percentile latency, compared with the predicted latency.</summary>
    SingleStreamP90Ms,
}

public static class PublishedMetrics
{
    private static readonly (PublishedMetric Metric, string Id, string Unit, bool Llm, bool HigherIsBetter)[] Table =
    [
        (PublishedMetric.DecodeTokensPerSecond, "tg_tok_s", "tok/s", true, true),
        (PublishedMetric.PrefillTokensPerSecond, "pp_tok_s", "tok/s", true, true),
        (PublishedMetric.TimeToFirstTokenMs, "ttft_ms", "ms", true, false),
        (PublishedMetric.FramesPerSecond, "fps", "FPS", false, true),
        (PublishedMetric.LatencyMs, "latency_ms", "ms", false, false),
        (PublishedMetric.OfflineSamplesPerSecond, "offline_samples_s", "samples/s", false, true),
        (PublishedMetric.SingleStreamP90Ms, "singlestream_p90_ms", "ms", false, false),
    ];

    public static IReadOnlyList<string> Ids { get; } = Table.Select(t => t.Id).ToArray();

    public static string Id(this PublishedMetric metric) => Table.First(t => t.Metric == metric).Id;

    public static string Unit(this PublishedMetric metric) => Table.First(t => t.Metric == metric).Unit;

    /// <summary>Whether the metric is measured on an LLM (tokens) rather than on a network (frames).</summary>
    public static bool IsLlm(this PublishedMetric metric) => Table.First(t => t.Metric == metric).Llm;

    /// <summary>The predicted quantity the metric measures, whose error band a prediction of it carries.</summary>
    public static PredictedQuantity Quantity(this PublishedMetric metric) => metric switch
    {
        PublishedMetric.DecodeTokensPerSecond => PredictedQuantity.Decode,
        PublishedMetric.PrefillTokensPerSecond or PublishedMetric.TimeToFirstTokenMs => PredictedQuantity.Prefill,
        _ => PredictedQuantity.Network,
    };

    /// <summary>Whether the metric needs the prompt length (prefill rate, time to first token).</summary>
    public static bool NeedsPrompt(this PublishedMetric metric) => metric is PublishedMetric.PrefillTokensPerSecond or PublishedMetric.TimeToFirstTokenMs;

    public static bool TryParse(string id, out PublishedMetric metric)
    {
        foreach (var t in Table)
        {
            if (t.Id == id)
            {
                metric = t.Metric;
                return true;
            }
        }

        metric = default;
        return false;
    }

    public static PublishedMetric Parse(string id) =>
        TryParse(id, out var metric) ? metric : throw new InvalidInputException($"Unknown metric '{id}'; use one of {string.Join(", ", Ids)}.");
}

/// <summary>
/// One published measurement (a row of data/published/*.csv), validated: the settings it was measured at, the figure, and
/// where it comes from. <paramref name="InputWidth"/>/<paramref name="InputHeight"/> are set for networks whose row gives an
/// input size, and for a VLM row the image size; <paramref name="PromptTokens"/>/<paramref name="GeneratedTokens"/> for LLM
/// rows that give them.
/// </summary>
/// <param name="Location">file:line, for messages.</param>
public sealed record PublishedRow(
    string Id,
    string Platform,
    string Model,
    string Weights,
    string Runtime,
    string? Unit,
    int Batch,
    int? PromptTokens,
    int? GeneratedTokens,
    int? InputWidth,
    int? InputHeight,
    string? PowerMode,
    PublishedMetric Metric,
    double Value,
    string Source,
    string? Date,
    string? Notes,
    string Location)
{
    /// <summary>Seconds of audio a speech model's row was measured on ("audio 10 s window"); null otherwise.</summary>
    public double? AudioSeconds { get; init; }

    /// <summary>The settings in a few words: "pp512", "tg128", "640x640 b1".</summary>
    public string Setting => Metric switch
    {
        PublishedMetric.DecodeTokensPerSecond => $"tg{GeneratedTokens ?? PublishedDataset.DefaultGeneratedTokens}" + (PromptTokens is > 0 ? $" @{PromptTokens}" : string.Empty),
        PublishedMetric.PrefillTokensPerSecond => $"pp{PromptTokens}",
        PublishedMetric.TimeToFirstTokenMs => $"prompt {PromptTokens}",
        _ => (InputWidth is { } w && InputHeight is { } h ? $"{w}x{h} " : string.Empty) + $"b{Batch}",
    };
}
