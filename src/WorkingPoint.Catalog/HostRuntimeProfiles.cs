using System.Globalization;
using System.Text;
using WorkingPoint.Core.Files;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Catalog;

/// <summary>One figure fitted on this machine, with how it was fitted (probe, model, measured value against the roofline, wpt version).</summary>
public sealed record FittedFigure(double Value, string Fit);

/// <summary>The llama.cpp CPU shares for one weight format; a null share falls back to the runtime-wide one.</summary>
public sealed record HostLlamaCppWeightsProfile(FittedFigure? DecodeDramShare, FittedFigure? PrefillComputeShare);

/// <summary>
/// llama.cpp on this machine's CPU: the share of the measured DRAM bandwidth decode reaches and of the measured peak compute prefill
/// reaches, overall and per weight format (q4_0 and q8_0 run different kernels: q4_0 is repacked for wide vectors, q8_0 is not).
/// </summary>
public sealed record HostLlamaCppProfile(FittedFigure DecodeDramShare, FittedFigure PrefillComputeShare, IReadOnlyDictionary<string, HostLlamaCppWeightsProfile> ByWeights)
{
    /// <summary>The decode share for a weight format: its own where it was measured, else the runtime-wide one.</summary>
    public FittedFigure DecodeDramShareFor(string weights) =>
        ByWeights.TryGetValue(weights, out var own) && own.DecodeDramShare is { } share ? share : DecodeDramShare;

    /// <summary>The prefill share for a weight format: its own where it was measured, else the runtime-wide one.</summary>
    public FittedFigure PrefillComputeShareFor(string weights) =>
        ByWeights.TryGetValue(weights, out var own) && own.PrefillComputeShare is { } share ? share : PrefillComputeShare;

    /// <summary>
    /// The fixed cost of one prefill in µs (graph set-up, thread start, the batch's synchronisation), fitted with the prefill share
    /// from a short and a long prompt; null in a file written before the short probe existed (then no fixed cost).
    /// </summary>
    public FittedFigure? InferenceOverheadMicroseconds { get; init; }

    /// <summary>
    /// The fixed cost of one layer in µs, paid per decoded token and per prefill batch (llama.cpp's graph nodes, each ending in a
    /// barrier of its threads), fitted from a probe of many thin layers beside the 1.1 B one; null in a file written before that
    /// probe existed (then none).
    /// </summary>
    public FittedFigure? LayerOverheadMicroseconds { get; init; }
}

/// <summary>
/// ONNX Runtime on this machine's CPU: the share of the measured fp32 peak its kernels reach, and the fixed costs a roofline leaves
/// out: per layer (kernel dispatch) and per inference (session run, input and output copies).
/// </summary>
public sealed record HostOnnxRuntimeProfile(FittedFigure NetworkComputeShare, FittedFigure LayerOverheadMicroseconds, FittedFigure InferenceOverheadMicroseconds);

/// <summary>
/// What <c>wpt measure runtimes</c> fitted on this machine (<c>host-runtimes.yaml</c> beside <c>host.yaml</c>): a plain description
/// of the host's runtime profiles; a runtime that was not probed is null.
/// </summary>
public sealed record HostRuntimeProfiles(string Platform, DateTimeOffset Measured, HostLlamaCppProfile? LlamaCppCpu, HostOnnxRuntimeProfile? OnnxRuntimeCpu)
{
    public const string LlamaCppCpuId = "llama.cpp-cpu";
    public const string OnnxRuntimeCpuId = "onnxruntime-cpu";

    /// <summary>How the validate commands name the profile they used: "host profiles measured 2026-12-01 23:10".</summary>
    public string Label => $"host profiles measured {Measured.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}";
}

/// <summary>Reads and writes <c>host-runtimes.yaml</c>. A bad file is one <see cref="CatalogException"/> naming the line, the problem and the fix.</summary>
public static class HostRuntimeProfilesFile
{
    public const string FileName = "host-runtimes.yaml";

    /// <summary>Shares are fractions of a measured ceiling; below this a fit has failed rather than found a slow runtime.</summary>
    public const double MinShare = 0.01;

    /// <summary>The largest fixed cost accepted (1 s per layer or per inference): anything above is a broken measurement.</summary>
    public const double MaxOverheadMicroseconds = 1e6;

    private const string Fix = "Run 'wpt measure runtimes' again to rewrite it, or delete it to predict with the default fractions.";

    /// <summary>Beside <c>host.yaml</c> in the data directory.</summary>
    public static string DefaultPath => System.IO.Path.Combine(DataDirectory.Path, FileName);

    /// <summary>The host's profiles when <c>wpt measure runtimes</c> has written them; null when the file does not exist.</summary>
    public static HostRuntimeProfiles? ReadDefault() => File.Exists(DefaultPath) ? Read(DefaultPath) : null;

    public static HostRuntimeProfiles Read(string path)
    {
        string text;
        try
        {
            text = YamlReader.ReadFile(path);
        }
        catch (IOException ex)
        {
            throw new CatalogException($"{path}: cannot be read ({ex.Message}). {Fix}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CatalogException($"{path}: cannot be read ({ex.Message}). {Fix}");
        }

        return Parse(path, text);
    }

    public static HostRuntimeProfiles Parse(string file, string text)
    {
        try
        {
            return ParseUnchecked(file, text);
        }
        catch (CatalogException ex) when (!ex.Message.EndsWith(Fix, StringComparison.Ordinal))
        {
            // Every problem in this file has the same remedy, which the generic YAML messages do not know.
            throw new CatalogException($"{ex.Message} {Fix}");
        }
    }

    private static HostRuntimeProfiles ParseUnchecked(string file, string text)
    {
        var yaml = YamlReader.Parse(file, text);
        var root = yaml.Root;
        yaml.RejectUnknownKeys(root, string.Empty, "platform", "measured", "wpt", "runtimes");
        var platform = yaml.RequireString(root, "platform", string.Empty);
        if (platform != HostPlatform.Id)
        {
            throw yaml.Error(yaml.Get(root, "platform"), $"'platform' is '{platform}'; this file describes the measured host, so it must be '{HostPlatform.Id}'.");
        }

        var measuredText = yaml.RequireString(root, "measured", string.Empty);
        if (!DateTimeOffset.TryParse(measuredText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var measured))
        {
            throw yaml.Error(yaml.Get(root, "measured"), $"'measured' must be a date and time such as 2026-12-01T23:10:00Z, got '{measuredText}'.");
        }

        var runtimes = yaml.Mapping(root, "runtimes", string.Empty) ?? throw yaml.Error(root, "missing required field 'runtimes'.");
        yaml.RejectUnknownKeys(runtimes, "runtimes", HostRuntimeProfiles.LlamaCppCpuId, HostRuntimeProfiles.OnnxRuntimeCpuId);

        HostLlamaCppProfile? llama = null;
        if (yaml.Mapping(runtimes, HostRuntimeProfiles.LlamaCppCpuId, "runtimes") is { } l)
        {
            var path = $"runtimes.{HostRuntimeProfiles.LlamaCppCpuId}";
            yaml.RejectUnknownKeys(l, path, "decodeDramShare", "prefillComputeShare", "inferenceOverheadUs", "layerOverheadUs", "byWeights");
            var byWeights = new Dictionary<string, HostLlamaCppWeightsProfile>(StringComparer.Ordinal);
            if (yaml.Mapping(l, "byWeights", path) is { } formats)
            {
                foreach (var (key, value) in formats.Children)
                {
                    var format = ((YamlScalarNode)key).Value ?? string.Empty;
                    var formatPath = $"{path}.byWeights.{format}";
                    if (!Core.Workloads.WeightFormat.TryParse(format, out _))
                    {
                        throw yaml.Error(key, $"'{formatPath}': '{format}' is not a weight format; use a format id such as q4_0 or q8_0.");
                    }

                    if (value is not YamlMappingNode entry)
                    {
                        throw yaml.Error(value, $"'{formatPath}' must be a mapping of decodeDramShare and prefillComputeShare.");
                    }

                    yaml.RejectUnknownKeys(entry, formatPath, "decodeDramShare", "prefillComputeShare");
                    byWeights[format] = new HostLlamaCppWeightsProfile(Share(yaml, entry, "decodeDramShare", formatPath, required: false), Share(yaml, entry, "prefillComputeShare", formatPath, required: false));
                }
            }

            llama = new HostLlamaCppProfile(Share(yaml, l, "decodeDramShare", path, required: true)!, Share(yaml, l, "prefillComputeShare", path, required: true)!, byWeights)
            {
                InferenceOverheadMicroseconds = Figure(yaml, l, "inferenceOverheadUs", path, 0, MaxOverheadMicroseconds, "µs", required: false),
                LayerOverheadMicroseconds = Figure(yaml, l, "layerOverheadUs", path, 0, MaxOverheadMicroseconds, "µs", required: false),
            };
        }

        HostOnnxRuntimeProfile? onnx = null;
        if (yaml.Mapping(runtimes, HostRuntimeProfiles.OnnxRuntimeCpuId, "runtimes") is { } o)
        {
            var path = $"runtimes.{HostRuntimeProfiles.OnnxRuntimeCpuId}";
            yaml.RejectUnknownKeys(o, path, "networkComputeShare", "layerOverheadUs", "inferenceOverheadUs");
            onnx = new HostOnnxRuntimeProfile(
                Share(yaml, o, "networkComputeShare", path, required: true)!,
                Figure(yaml, o, "layerOverheadUs", path, 0, MaxOverheadMicroseconds, "µs", required: true)!,
                Figure(yaml, o, "inferenceOverheadUs", path, 0, MaxOverheadMicroseconds, "µs", required: true)!);
        }

        if (llama is null && onnx is null)
        {
            throw yaml.Error(runtimes, $"'runtimes' names no runtime; expected {HostRuntimeProfiles.LlamaCppCpuId} and/or {HostRuntimeProfiles.OnnxRuntimeCpuId}.");
        }

        return new HostRuntimeProfiles(platform, measured, llama, onnx);
    }

    private static FittedFigure? Share(YamlReader yaml, YamlMappingNode map, string key, string path, bool required) =>
        Figure(yaml, map, key, path, MinShare, 1, "(share of the measured ceiling)", required);

    private static FittedFigure? Figure(YamlReader yaml, YamlMappingNode map, string key, string path, double min, double max, string unit, bool required)
    {
        var field = YamlReader.Join(path, key);
        if (yaml.Get(map, key) is not { } node)
        {
            return required ? throw yaml.Error(map, $"missing required figure '{field}'.") : null;
        }

        if (node is not YamlMappingNode figure)
        {
            throw yaml.Error(node, $"'{field}' must be written as {{ value: N, fit: \"how it was fitted\" }}, got a bare value.");
        }

        yaml.RejectUnknownKeys(figure, field, "value", "fit");
        var value = yaml.Number(figure, "value", field) ?? throw yaml.Error(figure, $"'{field}' has no value.");
        yaml.CheckRange(yaml.Get(figure, "value"), $"{field}.value", value, min, max, unit);
        var fit = yaml.String(figure, "fit", field);
        if (string.IsNullOrWhiteSpace(fit))
        {
            throw yaml.Error(figure, $"'{field}' has no fit: every figure says which probe it was fitted on.");
        }

        return new FittedFigure(value, fit);
    }

    /// <summary>Writes the profiles atomically (temporary file, then rename), so a reader never sees half of them.</summary>
    public static void Write(string path, HostRuntimeProfiles profiles, string wptVersion)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        AtomicFile.WriteAllText(path, Yaml(profiles, wptVersion), Encoding.UTF8);
    }

    public static string Yaml(HostRuntimeProfiles profiles, string wptVersion)
    {
        var text = new StringBuilder();
        var when = profiles.Measured.ToUniversalTime();
        text.Append(CultureInfo.InvariantCulture, $"# Written by `wpt measure runtimes` (wpt {wptVersion}) on {when:yyyy-MM-dd HH:mm} UTC: runtime shares and overheads fitted on this machine.\n");
        text.Append("# Run it again after `wpt measure roofline`: the shares are fractions of the ceilings in host.yaml.\n");
        text.Append(CultureInfo.InvariantCulture, $"platform: {HostPlatform.Id}\n");
        text.Append(CultureInfo.InvariantCulture, $"measured: {when:yyyy-MM-ddTHH:mm:ssZ}\n");
        text.Append(CultureInfo.InvariantCulture, $"wpt: {Quote(wptVersion)}\n");
        text.Append("runtimes:\n");
        if (profiles.LlamaCppCpu is { } llama)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {HostRuntimeProfiles.LlamaCppCpuId}:\n");
            text.Append(CultureInfo.InvariantCulture, $"    decodeDramShare: {Figure(llama.DecodeDramShare)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    prefillComputeShare: {Figure(llama.PrefillComputeShare)}\n");
            if (llama.InferenceOverheadMicroseconds is { } overhead)
            {
                text.Append(CultureInfo.InvariantCulture, $"    inferenceOverheadUs: {Figure(overhead)}\n");
            }

            if (llama.LayerOverheadMicroseconds is { } layer)
            {
                text.Append(CultureInfo.InvariantCulture, $"    layerOverheadUs: {Figure(layer)}\n");
            }

            if (llama.ByWeights.Count > 0)
            {
                text.Append("    byWeights:\n");
                foreach (var (format, own) in llama.ByWeights.OrderBy(w => w.Key, StringComparer.Ordinal))
                {
                    text.Append(CultureInfo.InvariantCulture, $"      {format}:\n");
                    if (own.DecodeDramShare is { } decode)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"        decodeDramShare: {Figure(decode)}\n");
                    }

                    if (own.PrefillComputeShare is { } prefill)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"        prefillComputeShare: {Figure(prefill)}\n");
                    }
                }
            }
        }

        if (profiles.OnnxRuntimeCpu is { } onnx)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {HostRuntimeProfiles.OnnxRuntimeCpuId}:\n");
            text.Append(CultureInfo.InvariantCulture, $"    networkComputeShare: {Figure(onnx.NetworkComputeShare)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    layerOverheadUs: {Figure(onnx.LayerOverheadMicroseconds)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    inferenceOverheadUs: {Figure(onnx.InferenceOverheadMicroseconds)}\n");
        }

        return text.ToString();

        static string Figure(FittedFigure f) => $"{{ value: {f.Value.ToString("G4", CultureInfo.InvariantCulture)}, fit: {Quote(f.Fit)} }}";
    }

    /// <summary>A double-quoted YAML scalar: backslashes and quotes escaped, line breaks flattened.</summary>
    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ') + "\"";
}
