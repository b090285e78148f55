using WorkingPoint.Core;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Evaluation.ModelFiles;

/// <summary>A model to run: the file, what to call it, and the input shapes to run it at.</summary>
/// <param name="CatalogId">The catalog network it was exported from; null for a user's file.</param>
public sealed record ModelFile(string Path, string DisplayName, InputShapes Shapes, string? CatalogId = null);

public static class ModelFiles
{
    /// <summary>An .onnx path as given, or a catalog network exported with random weights at the requested input size.</summary>
    public static ModelFile Resolve(Catalog.Catalog catalog, string model, IReadOnlyList<string> inputs)
    {
        var shapes = InputShapes.Parse(inputs);
        if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"{model} is a language model's config.json; 'wpt bench onnx' runs networks (an .onnx file or a catalog CNN such as yolov8s). Use 'wpt bench llm {model}'.");
        }

        if (File.Exists(model) || model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || model.Contains('/', StringComparison.Ordinal))
        {
            return new ModelFile(model, System.IO.Path.GetFileName(model), shapes);
        }

        var resolved = catalog.ResolveModel(model);
        if (resolved is not GraphCatalogModel graph)
        {
            throw new InvalidInputException($"'{model}' is a language model; 'wpt bench onnx' runs networks (an .onnx file or a catalog CNN such as yolov8s).");
        }

        return CatalogExport.Export(graph.Model, shapes);
    }
}
