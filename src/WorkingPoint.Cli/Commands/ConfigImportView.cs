using Spectre.Console;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Files;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt models import config.json</c>: a Hugging Face config read as an architecture, shown as <c>wpt models ID</c> shows a
/// catalog model, and optionally written as a model YAML file that reads back to the same architecture.
/// </summary>
internal static class ConfigImportView
{
    public static int Show(IAnsiConsole console, string path, string? id, string? output, bool json)
    {
        var import = HuggingFaceConfig.Load(path, id);
        var architecture = import.Architecture;
        var model = new LlmCatalogModel(architecture);
        if (output is not null)
        {
            var yaml = LlmYamlWriter.Write(architecture, Header(path, import.ModelType));
            LlmYaml.Parse(output, yaml); // what is written must read back (the round trip is tested; this guards the file)
            AtomicFile.RefuseUnwritableTarget(output);
            AtomicFile.WriteAllText(output, yaml);
        }

        if (json)
        {
            Output.Json(console, new
            {
                file = path,
                modelType = import.ModelType,
                family = architecture.Family.ToString().ToLowerInvariant(),
                model = ModelJson.From(model),
                config = new
                {
                    architecture.HiddenSize, architecture.Layers, architecture.AttentionHeads, architecture.KvHeads, architecture.HeadDim,
                    architecture.FfnSize, architecture.VocabSize, architecture.TiedEmbeddings, architecture.QkvBias, architecture.GatedFfn,
                    architecture.MaxContext, architecture.SlidingWindow, architecture.WindowedLayers,
                    experts = architecture.Experts is { } e
                        ? new { count = e.ExpertCount, active = e.ActiveExperts, ffnSize = e.ExpertFfnSize, shared = e.SharedExperts, sharedFfnSize = e.SharedExpertFfnSize, e.Biases }
                        : null,
                    architecture.ActiveParameters,
                },
                notes = import.Notes,
                wrote = output is null ? null : Path.GetFullPath(output),
            });
            return 0;
        }

        var table = ModelsCommand.Describe(model, withSource: false);
        if (architecture.SlidingWindow is { } window)
        {
            table.Row("windowed layers", $"{architecture.WindowedLayers} of {architecture.Layers} attend to the last {window} tokens");
        }

        if (architecture.Experts is { } moe)
        {
            table.Row("experts", $"{moe.ActiveExperts} of {moe.ExpertCount} routed per token, each FFN {moe.ExpertFfnSize}" + (moe.SharedExperts > 0 ? $", {moe.SharedExperts} shared of FFN {moe.SharedExpertFfnSize}" : string.Empty));
            table.Row("active parameters", $"{architecture.ActiveParameters:N0} per token ({100.0 * architecture.ActiveParameters / architecture.Parameters:0.0} %)");
        }

        table.Title = new TableTitle($"[bold]{Markup.Escape(architecture.Id)}[/] from {Markup.Escape(Path.GetFileName(path))} (model_type {Markup.Escape(import.ModelType)})");
        console.Write(table);
        Output.Notes(console, "Notes", import.Notes);
        if (output is not null)
        {
            OutputFiles.SayWrote(console, output, "the model description");
            console.MarkupLine($"Predict it with: wpt predict -m {Markup.Escape(output)} -p PLATFORM");
        }

        return 0;
    }

    private static string Header(string path, string modelType) =>
        $"Imported by wpt models import from {Path.GetFullPath(path)}\n(a Hugging Face config.json, model_type {modelType}). Fields: docs/model-schema.md; schema: schemas/model.schema.json.";
}
