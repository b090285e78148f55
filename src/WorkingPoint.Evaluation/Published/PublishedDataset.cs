using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Evaluation.Published;

/// <summary>
/// The published-results dataset: measured figures from public sources (data/published/*.csv in the repository, embedded in
/// this assembly so that wpt finds it on any machine; docs/published.md). Every row is validated when read: a bad row is one
/// <see cref="InvalidInputException"/> naming file:line and the fix, never skipped.
/// </summary>
public sealed partial class PublishedDataset
{
    /// <summary>The columns every file has, in this order.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["id", "platform", "model", "weights", "runtime", "unit", "batch", "prompt_tokens", "gen_tokens", "input", "power_mode", "metric", "value", "source", "date", "notes"];

    /// <summary>Compute units a row may name.</summary>
    public static readonly IReadOnlyList<string> Units = ["cpu", "gpu", "npu", "dla"];

    /// <summary>Generated tokens of a decode row that does not say (llama-bench's tg128).</summary>
    public const int DefaultGeneratedTokens = 128;

    private static readonly Lazy<PublishedDataset> BuiltInInstance = new(LoadBuiltIn);

    private PublishedDataset(IReadOnlyList<PublishedRow> rows, string origin)
    {
        Rows = rows;
        Origin = origin;
    }

    public IReadOnlyList<PublishedRow> Rows { get; }

    /// <summary>Where the rows come from: "built-in" or the directory read.</summary>
    public string Origin { get; }

    /// <summary>The dataset shipped with wpt (data/published/*.csv, embedded).</summary>
    public static PublishedDataset BuiltIn => BuiltInInstance.Value;

    /// <summary>Every *.csv file in <paramref name="directory"/>, in ordinal order of the file name.</summary>
    public static PublishedDataset Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidInputException($"--data '{directory}': no such directory; give the folder that holds the published-results CSV files (data/published in the repository).");
        }

        var files = Directory.GetFiles(directory, "*.csv").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new InvalidInputException($"--data '{directory}' holds no *.csv file; give the folder that holds the published-results CSV files (data/published in the repository).");
        }

        return FromFiles(files.Select(f => (f, File.ReadAllText(f))), directory);
    }

    /// <summary>Files given as (name for messages, text): the rows of all of them, ids unique across the files.</summary>
    public static PublishedDataset FromFiles(IEnumerable<(string Name, string Text)> files, string origin)
    {
        var rows = new List<PublishedRow>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in files)
        {
            foreach (var row in ParseFile(name, text))
            {
                if (!seen.TryAdd(row.Id, row.Location))
                {
                    throw new InvalidInputException($"{row.Location}: id '{row.Id}' is already used at {seen[row.Id]}; give every row its own id.");
                }

                rows.Add(row);
            }
        }

        return new PublishedDataset(rows, origin);
    }

    public static IReadOnlyList<PublishedRow> ParseFile(string fileName, string text)
    {
        var records = CsvText.Parse(text.TrimStart('\uFEFF'), fileName);
        if (records.Count == 0)
        {
            throw new InvalidInputException($"{fileName}:1: the file is empty; the first line must be the header {string.Join(',', Columns)}.");
        }

        var header = records[0].Fields.Select(f => f.Trim()).ToArray();
        if (!header.SequenceEqual(Columns))
        {
            throw new InvalidInputException($"{fileName}:1: the header must be exactly {string.Join(',', Columns)}; got {string.Join(',', header)}.");
        }

        return records.Skip(1).Select(r => ParseRow(fileName, r)).ToArray();
    }

    private static PublishedRow ParseRow(string fileName, CsvRecord record)
    {
        var at = $"{fileName}:{record.Line}";
        if (record.Fields.Count != Columns.Count)
        {
            throw new InvalidInputException($"{at}: {record.Fields.Count} fields, the header has {Columns.Count}; quote a field that holds a comma (\"a, b\").");
        }

        string Field(string column) => record.Fields[IndexOf(column)].Trim();
        string? Optional(string column) => Field(column) is { Length: > 0 } s ? s : null;
        string Required(string column, string fix) =>
            Field(column) is { Length: > 0 } s ? s : throw new InvalidInputException($"{at}: {column} is empty; {fix}.");

        var id = Required("id", "give the row a short unique id (e.g. J13)");
        string Prefix() => $"{at} ({id})";
        var platform = Required("platform", "give the catalog platform id (wpt platforms)");
        var model = Required("model", "give the catalog model id (wpt models)");
        var weights = Required("weights", "give the weight format (int8, fp16, q4_0, q4_k_m, …)");
        if (!WeightFormat.TryParse(weights, out _))
        {
            throw new InvalidInputException($"{Prefix()}: weights '{weights}' is not a weight format; use one of {string.Join(", ", WeightFormat.All.Select(f => f.Id))}.");
        }

        var runtime = Required("runtime", "give the runtime id (llama.cpp-metal, tensorrt, hailort, …)");
        if (!RuntimeId().IsMatch(runtime))
        {
            throw new InvalidInputException($"{Prefix()}: runtime '{runtime}' is not an id; use lower-case letters, digits, '.', '-' and '_' (e.g. llama.cpp-cuda).");
        }

        var unit = Optional("unit");
        if (unit is not null && !Units.Contains(unit))
        {
            throw new InvalidInputException($"{Prefix()}: unit '{unit}' is not a compute unit; use one of {string.Join(", ", Units)}, or leave it empty.");
        }

        var batchGiven = Whole("batch", minimum: 1);
        var prompt = Whole("prompt_tokens", minimum: 0);
        var gen = Whole("gen_tokens", minimum: 0);
        var metricText = Required("metric", $"give one of {string.Join(", ", PublishedMetrics.Ids)}");
        if (!PublishedMetrics.TryParse(metricText, out var metric))
        {
            throw new InvalidInputException($"{Prefix()}: metric '{metricText}' is unknown; use one of {string.Join(", ", PublishedMetrics.Ids)}.");
        }

        // A prefill or first-token figure without its prompt length is kept (a source may not state it) and reported as not
        // predictable when resolved; only a malformed value is an error.
        (int W, int H)? input = null;
        double? audioSeconds = null;
        if (Optional("input") is { } inputText)
        {
            if (metric.IsLlm())
            {
                // An LLM's input is an image (a VLM) or audio (a speech model): "image 392x392", "audio 10 s window".
                var image = ImageInput().Match(inputText);
                var audio = AudioInput().Match(inputText);
                if (image.Success && InputShapes.TryParseSize(image.Groups[1].Value, out var iw, out var ih))
                {
                    input = (iw, ih);
                }
                else if (audio.Success && double.TryParse(audio.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s <= 86_400)
                {
                    audioSeconds = s;
                }
                else
                {
                    throw new InvalidInputException($"{Prefix()}: input '{inputText}' of an LLM row ({metricText}) must be 'image WIDTHxHEIGHT' (a VLM's image) or 'audio SECONDS s' (a speech model's audio), or empty.");
                }
            }
            else
            {
                input = int.TryParse(inputText, NumberStyles.None, CultureInfo.InvariantCulture, out var side) && side is >= 1 and <= 16384
                    ? (side, side)
                    : InputShapes.TryParseSize(inputText, out var w, out var h)
                        ? (w, h)
                        : throw new InvalidInputException($"{Prefix()}: input '{inputText}' is not a size; write one side (640) or WIDTHxHEIGHT (156x240).");
            }
        }

        var valueText = Required("value", "give the measured figure");
        if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value <= 0)
        {
            throw new InvalidInputException($"{Prefix()}: value '{valueText}' must be a positive number (a dot for decimals, no unit); write the figure in the metric's unit ({metric.Unit()}).");
        }

        var source = Required("source", "name where the figure comes from (URL, or GitHub owner/repo + path or issue number, or document title + page)");
        var date = Optional("date");
        if (date is not null && !DateText().IsMatch(date))
        {
            throw new InvalidInputException($"{Prefix()}: date '{date}' must be YYYY, YYYY-MM or YYYY-MM-DD (when the figure was published), or empty.");
        }

        // An Offline run batches as the submitter chose; a row that does not say is predicted at MLPerf's usual Offline batch.
        var batch = batchGiven ?? (metric == PublishedMetric.OfflineSamplesPerSecond ? DefaultOfflineBatch : 1);
        return new PublishedRow(id, platform, model, weights, runtime, unit, batch, prompt, gen, input?.W, input?.H, Optional("power_mode"), metric, value, source, date, Optional("notes"), at)
        {
            AudioSeconds = audioSeconds,
        };

        int? Whole(string column, int minimum)
        {
            var text = Optional(column);
            if (text is null)
            {
                return null;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= minimum && v <= 10_000_000
                ? v
                : throw new InvalidInputException($"{Prefix()}: {column} '{text}' must be a whole number ≥ {minimum}, or empty.");
        }
    }

    private static int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column)
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(column), column, "not a dataset column");
    }

    [GeneratedRegex(@"^image\s+(\d+x\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageInput();

    [GeneratedRegex(@"^audio\s+(\d+(?:\.\d+)?)\s*s\b.*$", RegexOptions.CultureInvariant)]
    private static partial Regex AudioInput();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex RuntimeId();

    [GeneratedRegex(@"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DateText();

    private static PublishedDataset LoadBuiltIn()
    {
        var assembly = typeof(PublishedDataset).Assembly;
        var files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("published/", StringComparison.Ordinal) && n.EndsWith(".csv", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => ($"data/{n}", ReadResource(assembly, n)));
        return FromFiles(files, "built-in");
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The batch an <c>offline_samples_s</c> row without one is predicted at: the GPU batch of NVIDIA's MLPerf Inference
    /// v3.0/v3.1 ResNet-50 Offline configurations for Orin and Orin NX (gpu_batch_size 256, mlcommons/inference_results_v3.1
    /// closed/NVIDIA/configs/resnet50/Offline).
    /// </summary>
    public const int DefaultOfflineBatch = 256;

    /// <summary>The figure of a prediction that is compared with <paramref name="metric"/>.</summary>
    public static Func<ModelPrediction, double> FigureOf(PublishedMetric metric) => metric switch
    {
        PublishedMetric.DecodeTokensPerSecond => p => Llm(p).DecodeTokensPerSecond,
        PublishedMetric.PrefillTokensPerSecond => p => Llm(p).PrefillTokensPerSecond,
        PublishedMetric.TimeToFirstTokenMs => p => Llm(p).TimeToFirstToken.Value * 1000,
        PublishedMetric.FramesPerSecond => p => Graph(p).FramesPerSecond,
        PublishedMetric.OfflineSamplesPerSecond => p => ((GraphModelPrediction)p).OfflineThroughput().FramesPerSecond,
        PublishedMetric.LatencyMs or PublishedMetric.SingleStreamP90Ms => p => Graph(p).Latency.Value * 1000,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "no figure for this metric"),
    };

    private static LlmPrediction Llm(ModelPrediction p) => ((LlmModelPrediction)p).Result;

    private static GraphPrediction Graph(ModelPrediction p) => ((GraphModelPrediction)p).Result;
}
