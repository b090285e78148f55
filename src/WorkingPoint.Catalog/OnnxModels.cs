using WorkingPoint.Core.Workloads;
using WorkingPoint.Onnx.Import;
using WorkingPoint.Onnx.Protobuf;

namespace WorkingPoint.Catalog;

/// <summary>A user's ONNX file as a network the analytic model can predict, rebuilt at whatever input size a command asks for.</summary>
public static class OnnxModels
{
    public static GraphModel Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CatalogException($"{path}: no such ONNX file. Check the path, or use a catalog id (wpt models).");
        }

        try
        {
            var model = OnnxModelReader.Read(path);
            var input = model.Graph.Inputs.FirstOrDefault(i => !model.Graph.Initializers.ContainsKey(i.Name))
                ?? throw new CatalogException($"{path}: the model has no inputs.");
            var dims = input.Dims ?? [];
            var channels = dims.Count == 4 && dims[1].Value is { } c ? (int)c : 3;
            var (width, height) = dims.Count == 4 && dims[3].Value is { } w && dims[2].Value is { } h ? ((int)w, (int)h) : (640, 640);
            return new GraphModel(
                Path.GetFileNameWithoutExtension(path),
                Path.GetFileName(path),
                WorkloadCategory.Perception,
                channels,
                width,
                height,
                Alignment: 1,
                Define: _ => throw new InvalidOperationException("An imported model is built from its file."),
                Published: null,
                Source: path)
            {
                FromFile = (w, h) => Import(model, path, InputShapes.Parse([$"{w}x{h}"])),
            };
        }
        catch (OnnxFormatException ex)
        {
            throw new CatalogException(ex.Message);
        }
    }

    private static Core.Workloads.Graphs.Graph Import(OnnxModel model, string path, InputShapes shapes)
    {
        try
        {
            return OnnxImporter.Import(model, path, shapes).Graph;
        }
        catch (OnnxImportException ex)
        {
            throw new CatalogException(ex.Message);
        }
    }
}
