using WorkingPoint.Core;
using System.ComponentModel;
using System.Globalization;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation;

namespace WorkingPoint.Cli.Commands;

/// <summary>The settings of every command that prints results: --format, and --json as its synonym.</summary>
public class JsonSettings : CommandSettings
{
    [CommandOption("--json")]
    [Description("The same as --format json: machine-readable output (field names in docs/json.md).")]
    public bool JsonFlag { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("How results are written: table (default), md, csv, json or jsonl (docs/json.md).")]
    public string? Format { get; init; }

    /// <summary>Whether the results are written as JSON (--json, --format json or --format jsonl).</summary>
    public bool Json => OutputFormat is OutputFormat.Json or OutputFormat.JsonLines;

    public OutputFormat OutputFormat => Format is null
        ? JsonFlag ? OutputFormat.Json : OutputFormat.Table
        : OutputFormats.Parse(Format) is var format && JsonFlag && format is not (OutputFormat.Json or OutputFormat.JsonLines)
            ? throw new InvalidInputException($"--json and --format {Format} ask for two formats; give one of them.")
            : format;
}

/// <summary>The working point a model is predicted at; shared by predict, compare, roofline and the solvers.</summary>
public class WorkingPointSettings : JsonSettings
{
    [CommandOption("-w|--weights <FORMAT>")]
    [Description("Weight format: fp32, fp16, bf16, int8, int4, q8_0, q4_0, q4_k_m, q5_k_m, q6_k. Default: q4_0 for LLMs, int8 for networks.")]
    public string? Weights { get; init; }

    [CommandOption("--kv <FORMAT>")]
    [Description("KV-cache format: f16 (default), f32, q8_0, q4_0.")]
    public string? KvCache { get; init; }

    [CommandOption("--prompt <TOKENS>")]
    [Description("Prompt tokens (LLMs). Default 512.")]
    [DefaultValue(512)]
    [Limit(0, Limits.MaxTokens)]
    public int Prompt { get; init; } = 512;

    [CommandOption("--gen <TOKENS>")]
    [Description("Generated tokens (LLMs). Default 128.")]
    [DefaultValue(128)]
    [Limit(0, Limits.MaxTokens)]
    public int Gen { get; init; } = 128;

    [CommandOption("--batch <N>")]
    [Description("Concurrent sequences (LLMs) or batch size (networks). Default 1.")]
    [DefaultValue(1)]
    [Limit(1, 4096)]
    public int Batch { get; init; } = 1;

    [CommandOption("--images <N>")]
    [Description("Images per request for a VLM (encoded by its vision tower, then prefilled as tokens). Default 0.")]
    [Limit(0, 64)]
    public int Images { get; init; }

    [CommandOption("--image <WxH>")]
    [Description("Image size for a VLM. Default 448x448.")]
    public string? Image { get; init; }

    [CommandOption("--audio <SECONDS>")]
    [Description("Seconds of audio for a speech model (its encoder runs once per started 30 s window before the decoder). Default 0.")]
    [Limit(0, 86_400)]
    public double Audio { get; init; }

    [CommandOption("--input <WxH>")]
    [Description("Input size for a network, width x height (e.g. 1280x720). Default: the model's reference size.")]
    public string? Input { get; init; }

    [CommandOption("--runtime <ID>")]
    [Description("Runtime that runs the model (wpt runtimes lists them), e.g. llama.cpp-metal, tensorrt; or a runtime YAML file. Default: the platform's usual one for the model's kind.")]
    public string? Runtime { get; init; }

    [CommandOption("--compute-fraction <F>")]
    [Description("Override the runtime's share of peak compute (prefill for LLMs, networks otherwise): above 0, at most 1.")]
    [Limit(0, 1, MinimumExclusive = true)]
    public double? ComputeFraction { get; init; }

    [CommandOption("--dram-fraction <F>")]
    [Description("Override the runtime's share of peak DRAM bandwidth: above 0, at most 1.")]
    [Limit(0, 1, MinimumExclusive = true)]
    public double? DramFraction { get; init; }

    [CommandOption("--experts-in <WHERE>")]
    [Description("Mixture-of-experts models: where the routed experts are held. weights (default): with the other weights; host: in host memory behind the compute unit's host link, so the experts a step routes to cross the link every step.")]
    public string? ExpertsIn { get; init; }

    public PredictionRequest ToRequest(WorkingPoint.Catalog.Catalog catalog)
    {
        var (imageWidth, imageHeight) = Image is null ? (448, 448) : Parsing.Size(Image, "--image");
        (int W, int H)? input = Input is null ? null : Parsing.Size(Input, "--input");
        return new PredictionRequest(
            Weights is null ? null : WeightFormat.Parse(Weights),
            KvCache is null ? null : KvCacheFormat.Parse(KvCache),
            new LlmScenario(Prompt, Gen, Batch, Images, imageWidth, imageHeight, AudioSeconds: Audio).Validate(),
            input?.W,
            input?.H,
            Batch,
            Runtime: Runtime is null ? null : catalog.ResolveRuntime(Runtime),
            ComputeShare: ComputeFraction,
            DramShare: DramFraction,
            ExpertsIn: Parsing.ExpertsIn(ExpertsIn));
    }

    /// <summary>
    /// Refuses, before any prediction, a request longer than the model's context: prompt (with image tokens) and generated tokens
    /// must fit in the context length the model was trained for.
    /// </summary>
    public void RequireWithinContext(CatalogModel model)
    {
        // A speech model's decoder context (448 tokens for Whisper) bounds the transcript of each 30 s window, which the
        // predictor handles window by window from --audio; the LLM prompt and generation defaults do not apply to it.
        if (model is LlmCatalogModel { Architecture.Audio: null } llm)
        {
            Limits.RequireWithinContext(llm.Architecture, Prompt, Gen, depth: 0, llm.Id);
        }
    }

}

internal static class Parsing
{
    public static ExpertPlacement ExpertsIn(string? text) => text switch
    {
        null or "weights" => Core.Analysis.ExpertPlacement.WithWeights,
        "host" => Core.Analysis.ExpertPlacement.Host,
        _ => throw new InvalidInputException($"--experts-in '{text}' is not known; use weights (with the other weights) or host (in host memory behind the link)."),
    };

    /// <summary>Parses "WIDTHxHEIGHT" (e.g. 1280x720).</summary>
    public static (int Width, int Height) Size(string text, string option)
    {
        if (InputShapes.TryParseSize(text, out var w, out var h))
        {
            return (w, h);
        }

        throw new InvalidInputException($"{option} '{text}' is not a size; write WIDTHxHEIGHT with whole numbers from 1 to 16384, e.g. 1280x720.");
    }

    public static IReadOnlyList<int> IntList(string text, string option) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new InvalidInputException($"{option} '{text}' must be a comma-separated list of positive whole numbers."))
            .ToArray();
}
