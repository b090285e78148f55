using WorkingPoint.Catalog;
using WorkingPoint.Core;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation.ModelFiles;
using WorkingPoint.Gguf;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Evaluation.Tests.ModelFiles;

public sealed class ModelFileTests
{
    private static readonly Catalog.Catalog Catalog = WorkingPoint.Catalog.Catalog.BuiltIn;

    private static readonly ShowProgress Silently = (_, work) => work(null);

    [Fact]
    public void An_onnx_path_resolves_as_given_with_its_input_shapes()
    {
        var file = WorkingPoint.Evaluation.ModelFiles.ModelFiles.Resolve(Catalog, "models/detector.onnx", ["x=1x3x640x640"]);

        Assert.Equal("models/detector.onnx", file.Path);
        Assert.Equal("detector.onnx", file.DisplayName);
        Assert.Equal([1L, 3, 640, 640], file.Shapes.Named["x"]);
    }

    [Fact]
    public void A_catalog_network_resolves_to_an_exported_onnx_file_at_the_aligned_size()
    {
        var file = WorkingPoint.Evaluation.ModelFiles.ModelFiles.Resolve(Catalog, "dncnn3", ["60x60"]);

        Assert.True(File.Exists(file.Path));
        Assert.EndsWith(".onnx", file.Path, StringComparison.Ordinal);
        Assert.StartsWith("dncnn3 @ ", file.DisplayName, StringComparison.Ordinal);
        Assert.Same(InputShapes.None, file.Shapes);
    }

    [Fact]
    public void A_language_model_is_not_a_network_file()
    {
        var error = Assert.Throws<InvalidInputException>(() => WorkingPoint.Evaluation.ModelFiles.ModelFiles.Resolve(Catalog, "llama-3.2-1b", []));

        Assert.Contains("is a language model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_export_size_is_the_models_reference_size_unless_an_image_size_is_given()
    {
        var model = ((GraphCatalogModel)Catalog.ResolveModel("yolov8s")).Model;

        Assert.Equal((model.DefaultWidth, model.DefaultHeight), CatalogExport.SizeOf(model, InputShapes.None));
        Assert.Equal((1280, 720), CatalogExport.SizeOf(model, InputShapes.Parse(["1280x720"])));
        Assert.Equal((1280, 720), CatalogExport.SizeOf(model, InputShapes.Parse(["1x3x720x1280"])));
        Assert.Throws<InvalidInputException>(() => CatalogExport.SizeOf(model, InputShapes.Parse(["2x3x720x1280"])));
    }

    [Fact]
    public void A_gguf_file_resolves_as_stored_and_refuses_a_weight_format()
    {
        var path = TinyLlm.File();

        var file = LlmModelFiles.Resolve(Catalog, Silently, path, null, 512);
        var error = Assert.Throws<InvalidInputException>(() => LlmModelFiles.Resolve(Catalog, Silently, path, "q8_0", 512));

        Assert.Equal(path, file.Path);
        Assert.False(file.Synthesized);
        Assert.Equal(2, file.Model.Architecture.Layers);
        Assert.Contains("--weights applies to catalog models", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_is_not_a_language_model_file()
    {
        var error = Assert.Throws<InvalidInputException>(() => LlmModelFiles.Resolve(Catalog, Silently, "yolov8s", null, 512));

        Assert.Contains("'yolov8s' is a network", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_a_planned_model_shows_its_size_and_reports_progress_up_to_the_whole_file()
    {
        var plan = LlmModelFiles.Plan(TinyLlm.Architecture(), WeightFormat.Q8_0);
        var path = Path.Combine(Directory.CreateTempSubdirectory("wpt-evaluation-").FullName, "tiny.gguf");
        var descriptions = new List<string>();
        var fractions = new List<double>();
        ShowProgress show = (description, work) =>
        {
            descriptions.Add(description);
            work(new SynchronousProgress(fractions));
        };

        LlmModelFiles.Write(show, plan, path, "Writing tiny", seed: 7);

        Assert.Equal(plan.FileBytes, new FileInfo(path).Length);
        Assert.Equal([$"Writing tiny ({Formatting.Bytes(plan.FileBytes)})"], descriptions);
        Assert.NotEmpty(fractions);
        Assert.Equal(1, fractions[^1], 6);
        Assert.Equal(2, GgufModels.Load(path).Architecture.Layers);
    }

    [Fact]
    public void Writing_into_a_missing_directory_is_refused_before_any_work()
    {
        var plan = LlmModelFiles.Plan(TinyLlm.Architecture(), WeightFormat.Q8_0);
        var called = false;

        var error = Assert.Throws<InvalidInputException>(() => LlmModelFiles.Write((_, _) => called = true, plan, "/nonexistent-wpt-dir/tiny.gguf", "Writing tiny"));

        Assert.False(called);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_memory_a_model_needs_grows_with_the_context()
    {
        var architecture = TinyLlm.Architecture();
        var weights = new LlmWorkload(architecture, WeightFormat.Q4_0, KvCacheFormat.F16).WeightBytes;

        Assert.True(LlmModelFiles.MemoryNeeded(architecture, WeightFormat.Q4_0, 512) > weights);
        Assert.True(LlmModelFiles.MemoryNeeded(architecture, WeightFormat.Q4_0, 4096) > LlmModelFiles.MemoryNeeded(architecture, WeightFormat.Q4_0, 512));
    }

    /// <summary>Records each report on the calling thread (<see cref="Progress{T}"/> would post them later).</summary>
    private sealed class SynchronousProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value) => reports.Add(value);
    }
}
