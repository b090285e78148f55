using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Cli.Commands;

public sealed class ModelsCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<ModelsCommand.Settings>
{
    public sealed class Settings : JsonSettings
    {
        [CommandArgument(0, "[ID]")]
        [Description("A model id or a path to a model YAML file; omit to list the catalog.")]
        public string? Id { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Id is null)
        {
            var rows = catalog.Models.Select(ModelJson.From).ToArray();
            if (settings.Json)
            {
                Output.Json(console, rows);
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).Title("[bold]Models[/]");
            foreach (var column in new[] { "Id", "Name", "Category", "Parameters", "Published", "Reference input", "GOP/inference" })
            {
                table.AddColumn(column);
            }

            foreach (var m in rows)
            {
                table.AddRow(
                    Markup.Escape(m.Id),
                    Markup.Escape(m.Name),
                    m.Category,
                    Output.Number(m.Parameters / 1e6) + " M",
                    m.PublishedParameters is { } p ? Output.Number(p / 1e6) + " M" : "–",
                    m.ReferenceInput ?? "–",
                    m.GigaOpsAtReference is { } g ? Output.Number(g) : "–");
            }

            console.Write(table);
            return 0;
        }

        var model = catalog.ResolveModel(settings.Id);
        var json = ModelJson.From(model);
        if (settings.Json)
        {
            Output.Json(console, json);
            return 0;
        }

        console.Write(Describe(model));
        return 0;
    }

    /// <summary>One model's architecture and counts as <c>wpt models ID</c> shows them (also after <c>wpt models import config.json</c>).</summary>
    internal static Table Describe(CatalogModel model, bool withSource = true)
    {
        var json = ModelJson.From(model);
        var t = Output.KeyValueTable(model.Name == model.Id ? model.Id : $"{model.Name} ({model.Id})");
        t.Row("category", json.Category);
        t.Row("parameters", $"{json.Parameters:N0}" + (json.PublishedParameters is { } pub ? $" (published {pub:N0}, {100.0 * (json.Parameters - pub) / pub:+0.00;-0.00} %)" : string.Empty));
        switch (model)
        {
            case LlmCatalogModel llm:
                var a = llm.Architecture;
                t.Row("architecture", Markup.Escape($"{a.Family}: hidden {a.HiddenSize}, {a.Layers} layers, {a.AttentionHeads} heads / {a.KvHeads} KV heads × {a.HeadDim}, FFN {a.FfnSize}{(a.GatedFfn ? " (gated)" : string.Empty)}, vocab {a.VocabSize}{(a.TiedEmbeddings ? ", tied embeddings" : string.Empty)}{(a.QkvBias ? ", qkv bias" : string.Empty)}{(a.SlidingWindow is { } sw ? $", sliding window {sw}" : string.Empty)}"));
                if (a.Experts is { } moe)
                {
                    t.Row("experts", Markup.Escape($"{moe.ActiveExperts} of {moe.ExpertCount} routed experts of width {moe.ExpertFfnSize} per token{(moe.SharedExperts > 0 ? $", {moe.SharedExperts} shared of width {moe.SharedExpertFfnSize}" : string.Empty)}; {a.ActiveParameters:N0} parameters active per token ({a.ActiveParameters - a.EmbeddingParameters:N0} without the embedding table)"));
                }

                t.Row("KV cache per token (f16)", Output.Bytes(a.KvElementsPerToken * 2.0));
                foreach (var format in new[] { WeightFormat.Fp16, WeightFormat.Q8_0, WeightFormat.Q4_K_M, WeightFormat.Q4_0, WeightFormat.Int4 })
                {
                    var w = new LlmWorkload(a, format, KvCacheFormat.F16);
                    t.Row($"weights {format.Id}", $"{Output.Bytes(w.WeightBytes)} ({w.AverageBitsPerWeight:0.00} bits/weight), {Output.Bytes(w.DecodeWeightBytes)} read per token");
                }

                if (a.Vision is { } v)
                {
                    t.Row("vision encoder", Markup.Escape($"ViT patch {v.PatchSize}, {v.Depth}×{v.Width}, {v.Parameters:N0} parameters, {v.ImageTokens(v.DefaultImageWidth, v.DefaultImageHeight)} tokens for a {v.DefaultImageWidth}x{v.DefaultImageHeight} image"));
                }

                break;
            case GraphCatalogModel g:
                var graph = g.Model.Build();
                t.Row("reference input", graph.Input.ToString());
                t.Row("operations", $"{Output.Number(graph.TotalOps.Giga)} GOP (a MAC counts two)" + (g.Model.Published is { } pf ? $", published {Output.Number(pf.Ops / 1e9)}" : string.Empty));
                t.Row("layers", graph.Layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                t.Row("peak live activations", $"{graph.PeakLiveActivationElements:N0} elements");
                break;
        }

        if (withSource)
        {
            t.Row("source", Markup.Escape(model.Source ?? "–"));
        }

        return t;
    }
}

internal sealed record ModelJson(string Id, string Name, string Category, long Parameters, long? PublishedParameters, string? ReferenceInput, double? GigaOpsAtReference, long? KvCacheBytesPerTokenF16, string? Source)
{
    public static ModelJson From(CatalogModel model)
    {
        switch (model)
        {
            case LlmCatalogModel llm:
                var a = llm.Architecture;
                return new ModelJson(a.Id, a.Name, llm.Category.ToString().ToLowerInvariant(), a.TotalParameters, a.PublishedParameters, null, null, a.KvElementsPerToken * 2, a.Source);
            case GraphCatalogModel g:
                var graph = g.Model.Build();
                return new ModelJson(g.Id, g.Name, g.Category.ToString().ToLowerInvariant(), graph.TotalParameters, g.Model.Published?.Parameters, graph.Input.ToString(), graph.TotalOps.Giga, null, g.Source);
            default:
                throw new ArgumentException(model.Id);
        }
    }
}
