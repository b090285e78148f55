using WorkingPoint.Core;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Onnx.Export;

namespace WorkingPoint.Evaluation.ModelFiles;

/// <summary>Catalog networks as ONNX files with random weights, exported once per input size into a cache under the temp directory.</summary>
public static class CatalogExport
{
    public const int Seed = 1;

    public static ModelFile Export(GraphModel model, InputShapes shapes)
    {
        var (width, height) = SizeOf(model, shapes);
        var graph = model.Build(width, height);
        var (w, h) = model.AlignedSize(width, height);
        var directory = Path.Combine(Path.GetTempPath(), "workingpoint-exports");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{model.Id}-{w}x{h}-seed{Seed}-v{OnnxExporter.Opset}.onnx");
        if (!File.Exists(path))
        {
            OnnxExporter.Export(graph, path, Seed);
        }

        // The exported model has fixed dimensions; the shapes have been used up.
        return new ModelFile(path, $"{model.Id} @ {w}x{h} (generated, random weights)", InputShapes.None, model.Id);
    }

    /// <summary>Width and height from a bare --input (e.g. 1280x720) or a full 1x3xHxW shape; the model's reference size otherwise.</summary>
    public static (int Width, int Height) SizeOf(GraphModel model, InputShapes shapes)
    {
        var dims = shapes.Unnamed ?? (shapes.Named.Count == 1 ? shapes.Named.Values.Single() : null);
        if (shapes.Named.Count > 1 || (dims is not null && dims.Length != 2 && dims.Length != 4))
        {
            throw new InvalidInputException($"--input for {model.Id} is an image size, e.g. --input 1280x720 (width x height) or --input 1x{model.Channels}x720x1280.");
        }

        if (dims is null)
        {
            return (model.DefaultWidth, model.DefaultHeight);
        }

        if (dims.Length == 4 && (dims[0] != 1 || dims[1] != model.Channels))
        {
            throw new InvalidInputException($"--input {string.Join('x', dims)}: {model.Id} takes batch 1 and {model.Channels} channels, e.g. --input 1x{model.Channels}x{dims[2]}x{dims[3]}.");
        }

        return ((int)dims[^1], (int)dims[^2]);
    }
}
