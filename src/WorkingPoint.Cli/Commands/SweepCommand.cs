using WorkingPoint.Core;
using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Evaluation;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// Evaluates a grid (platforms × LLMs × weight formats × contexts × batches for decode; platforms × networks for per-layer
/// predictions) on one thread and reports evaluations per second: the model is the inner loop of design-space sweeps.
/// </summary>
public sealed class SweepCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<SweepCommand.Settings>
{
    public sealed class Settings : JsonSettings
    {
        [CommandOption("-p|--platform|--platforms <LIST>")]
        [Description("Comma-separated platform ids, or 'all' (default). Also --platforms.")]
        public string? Platforms { get; init; }

        [CommandOption("--contexts <LIST>")]
        [Description("Context lengths for decode. Default 512,2048,8192.")]
        public string Contexts { get; init; } = "512,2048,8192";

        [CommandOption("--batches <LIST>")]
        [Description("Batch sizes for decode. Default 1,4.")]
        public string Batches { get; init; } = "1,4";

        [CommandOption("--weights <LIST>")]
        [Description("Weight formats for LLMs. Default q4_0,q4_k_m,q8_0,fp16.")]
        public string Weights { get; init; } = "q4_0,q4_k_m,q8_0,fp16";

        [CommandOption("--seconds <S>")]
        [Description("Minimum time to spend on each kind of evaluation. Default 1.")]
        [Limit(0, 600, MinimumExclusive = true)]
        public double Seconds { get; init; } = 1;

        [CommandOption("--runtime <ID>")]
        [Description("Runtime for the workloads of the kind it runs (wpt runtimes lists them). Default: each platform's usual runtimes.")]
        public string? Runtime { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Seconds is <= 0 or > 600)
        {
            throw new InvalidInputException($"--seconds must be in (0, 600], got {settings.Seconds}.");
        }

        // Each platform's ceilings for LLMs and for networks: the unit and profile of the runtime each kind runs on.
        var runtime = settings.Runtime is null ? null : catalog.ResolveRuntime(settings.Runtime);
        Ceilings? For(Platform p, WorkloadKind kind)
        {
            try
            {
                var c = Predictions.CeilingsFor(kind, null, p, new PredictionRequest(Runtime: runtime is not null && runtime.Runs.Contains(kind) ? runtime : null));
                return HasBandwidth(c) ? c : null;
            }
            catch (RuntimeMismatchException)
            {
                return null;
            }
        }

        var platforms = catalog.ResolvePlatforms(settings.Platforms);
        var ceilings = platforms.Select(p => For(p, WorkloadKind.Llm)).OfType<Ceilings>().ToArray();
        var networkCeilings = platforms.Select(p => For(p, WorkloadKind.Network)).OfType<Ceilings>().ToArray();
        var contexts = Parsing.IntList(settings.Contexts, "--contexts");
        var batches = Parsing.IntList(settings.Batches, "--batches");
        var formats = settings.Weights.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(WeightFormat.Parse).ToArray();
        var workloads = catalog.Models.OfType<LlmCatalogModel>().SelectMany(m => formats.Select(f => new LlmWorkload(m.Architecture, f, KvCacheFormat.F16))).ToArray();
        var graphs = catalog.Models.OfType<GraphCatalogModel>().Select(m => m.Model.Build()).ToArray();

        SweepResult? decode = null, perLayer = null;
        void Run()
        {
            decode = Measure("llm-decode", ceilings.Length * workloads.Length * contexts.Count * batches.Count, settings.Seconds, () =>
            {
                var best = 0.0;
                foreach (var c in ceilings)
                {
                    foreach (var w in workloads)
                    {
                        foreach (var ctx in contexts)
                        {
                            foreach (var b in batches)
                            {
                                best = Math.Max(best, b / LlmPredictor.DecodeStep(w, c, ctx, b).Seconds);
                            }
                        }
                    }
                }

                return best;
            });
            perLayer = Measure("graph-per-layer", networkCeilings.Length * graphs.Length, settings.Seconds, () =>
            {
                var best = 0.0;
                foreach (var c in networkCeilings)
                {
                    foreach (Graph g in graphs)
                    {
                        best = Math.Max(best, GraphPredictor.Predict(g, c, WeightFormat.Int8).FramesPerSecond);
                    }
                }

                return best;
            });
        }

        if (settings.Json)
        {
            Run();
        }
        else
        {
            console.Status().Start($"Sweeping {ceilings.Length} platforms × {workloads.Length} LLM formats × {contexts.Count * batches.Count} working points, and {graphs.Length} networks…", _ => Run());
        }

        var results = new[] { decode!, perLayer! };
        if (settings.Json)
        {
            Output.Json(console, new { platforms = ceilings.Length, results });
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Sweep (one thread)[/]");
        foreach (var c in new[] { "Evaluation", "Grid size", "Evaluations", "Seconds", "Evaluations/s" })
        {
            table.AddColumn(c);
        }

        foreach (var r in results)
        {
            table.AddRow(r.Kind, r.GridSize.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), r.Evaluations.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), Output.Number(r.Seconds), $"[bold]{Output.Number(r.EvaluationsPerSecond)}[/]");
        }

        console.Write(table);
        return 0;
    }

    private static bool HasBandwidth(Ceilings c) => c.Unit.Compute.HasAnyPeak && (c.Platform.Dram is null || c.DramBytesPerSecond > 0);

    private static SweepResult Measure(string kind, int gridSize, double seconds, Func<double> pass)
    {
        pass();
        long evaluations = 0;
        var checksum = 0.0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            checksum += pass();
            evaluations += gridSize;
        }

        watch.Stop();
        return new SweepResult(kind, gridSize, evaluations, watch.Elapsed.TotalSeconds, evaluations / watch.Elapsed.TotalSeconds, checksum > 0);
    }
}

internal sealed record SweepResult(string Kind, int GridSize, long Evaluations, double Seconds, double EvaluationsPerSecond, bool Valid);
