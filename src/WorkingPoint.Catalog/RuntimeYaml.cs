using System.Text.RegularExpressions;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Catalog;

/// <summary>Reads and validates a runtime description with its profile (the schema is documented in docs/runtime-schema.md).</summary>
public static partial class RuntimeYaml
{
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*$")]
    private static partial Regex IdPattern();

    /// <summary>Overheads above this are a unit error (ms written as µs), not a runtime.</summary>
    private const double MaxOverheadMicroseconds = 10_000_000;

    public static Runtime Parse(string file, string text)
    {
        var y = YamlReader.Parse(file, text);
        var root = y.Root;
        y.RejectUnknownKeys(root, string.Empty, "id", "name", "unit", "runs", "aliases", "executes", "offlineUnits", "fusesLayers", "partialWeightCaching", "multiContext", "harnesses", "notes", "sources", "profile", "errorBands");
        var id = y.RequireString(root, "id", string.Empty);
        if (!IdPattern().IsMatch(id))
        {
            throw y.Error(y.Get(root, "id"), $"id '{id}' must be lower-case letters, digits, '-' and '.' (e.g. llama.cpp-cuda).");
        }

        var unitText = y.RequireString(root, "unit", string.Empty);
        if (!ComputeUnitKindExtensions.TryParse(unitText, out var unit))
        {
            throw y.Error(y.Get(root, "unit"), $"unit '{unitText}' is not a unit kind WorkingPoint knows; use cpu, gpu, npu or dla.");
        }

        var runs = Strings(y, root, "runs").Select(text => WorkloadKindExtensions.TryParse(text, out var kind)
            ? kind
            : throw y.Error(y.Get(root, "runs"), $"runs: '{text}' is not a workload kind; use llm and/or network.")).Distinct().ToArray();
        if (runs.Length == 0)
        {
            throw y.Error(root, "runs: names no workload kind; write runs: [llm], [network] or [llm, network].");
        }

        var executes = new Dictionary<Precision, Precision>();
        if (y.Mapping(root, "executes", string.Empty) is { } map)
        {
            foreach (var (keyNode, valueNode) in map.Children)
            {
                var from = ((YamlScalarNode)keyNode).Value;
                var to = (valueNode as YamlScalarNode)?.Value;
                if (!PrecisionExtensions.TryParse(from, out var requested))
                {
                    throw y.Error(keyNode, $"executes: '{from}' is not a precision; map a requested precision to the one the runtime computes at ({PrecisionExtensions.IdList}), e.g. fp32: tf32.");
                }

                if (!PrecisionExtensions.TryParse(to, out var executed))
                {
                    throw y.Error(valueNode, $"executes.{from}: '{to}' is not a precision; use {PrecisionExtensions.IdList}, e.g. fp32: tf32.");
                }

                executes[requested] = executed;
            }
        }

        // The units the runtime drives at once for throughput (MLPerf Offline on a Jetson: the GPU and both DLAs); absent: its own.
        var offlineUnits = Strings(y, root, "offlineUnits").Select(text => ComputeUnitKindExtensions.TryParse(text, out var kind)
            ? kind
            : throw y.Error(y.Get(root, "offlineUnits"), $"offlineUnits: '{text}' is not a unit kind; use cpu, gpu, npu or dla, e.g. offlineUnits: [gpu, dla].")).Distinct().ToArray();
        if (offlineUnits.Length > 0 && !offlineUnits.Contains(unit))
        {
            throw y.Error(y.Get(root, "offlineUnits")!, $"offlineUnits: [{string.Join(", ", offlineUnits.Select(u => u.ToId()))}] leaves out the runtime's own unit ({unit.ToId()}); list it first, e.g. offlineUnits: [{unit.ToId()}, {offlineUnits[0].ToId()}].");
        }

        // Whether the runtime fuses element-wise layers into the convolution before them (TensorRT); absent: it does not.
        var fusesLayers = y.Get(root, "fusesLayers") switch
        {
            null => false,
            YamlScalarNode { Value: "true" } => true,
            YamlScalarNode { Value: "false" } => false,
            var other => throw y.Error(other, "fusesLayers must be true or false (whether the runtime fuses element-wise layers into the convolution before them)."),
        };

        // Whether the runtime caches the weights that fit on chip and streams only the rest (the Edge TPU); absent: it does not.
        var partialWeightCaching = y.Get(root, "partialWeightCaching") switch
        {
            null => false,
            YamlScalarNode { Value: "true" } => true,
            YamlScalarNode { Value: "false" } => false,
            var other => throw y.Error(other, "partialWeightCaching must be true or false (whether the runtime caches the weights that fit on chip and streams only the rest)."),
        };

        // Whether weights that do not fit are loaded context by context, in series with the compute (HailoRT); absent: overlapped.
        var multiContext = y.Get(root, "multiContext") switch
        {
            null => false,
            YamlScalarNode { Value: "true" } => true,
            YamlScalarNode { Value: "false" } => false,
            var other => throw y.Error(other, "multiContext must be true or false (whether weights that do not fit are loaded context by context, in series with the compute)."),
        };

        var references = new Dictionary<string, string>();
        if (y.Mapping(root, "sources", string.Empty) is { } sources)
        {
            foreach (var (key, value) in sources.Children)
            {
                references[((YamlScalarNode)key).Value!] = (value as YamlScalarNode)?.Value
                    ?? throw y.Error(value, $"source '{key}' must be a URL or document reference.");
            }
        }

        var (profile, prior) = ReadProfile(y, root, references, id);
        var harnesses = ReadHarnesses(y, root, references, id);
        return new Runtime(
            id,
            y.RequireString(root, "name", string.Empty),
            unit,
            runs,
            executes,
            profile,
            Strings(y, root, "aliases"),
            new Provenance(references, y.Figures.ToArray()),
            y.String(root, "notes", string.Empty))
        {
            ErrorBands = ReadErrorBands(y, root, id),
            PriorProfile = prior,
            OfflineUnits = offlineUnits.Length > 0 ? offlineUnits : [unit],
            FusesLayers = fusesLayers,
            Harnesses = harnesses,
            PartialWeightCaching = partialWeightCaching,
            MultiContext = multiContext,
        };
    }

    // harnesses: { ultralytics-tensorrt: { name: "…", cudaGraphs: false, paysHarnessOverhead: true, source: KEY } }: ways of
    // driving the runtime that change its fixed costs (docs/runtime-schema.md); each documented by a source.
    private static RuntimeHarness[] ReadHarnesses(YamlReader y, YamlMappingNode root, Dictionary<string, string> references, string runtimeId)
    {
        if (y.Mapping(root, "harnesses", string.Empty) is not { } map)
        {
            return [];
        }

        var harnesses = new List<RuntimeHarness>();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var harnessId = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            var path = $"harnesses.{harnessId}";
            if (!IdPattern().IsMatch(harnessId) || harnessId == runtimeId)
            {
                throw y.Error(keyNode, $"{path}: '{harnessId}' must be an id of its own (lower-case letters, digits, '-' and '.'), not the runtime's, e.g. ultralytics-{runtimeId}.");
            }

            if (valueNode is not YamlMappingNode harness)
            {
                throw y.Error(valueNode, $"{path} must be a mapping {{ name: \"…\", cudaGraphs: true|false, paysHarnessOverhead: true|false, source: KEY }}.");
            }

            y.RejectUnknownKeys(harness, path, "name", "cudaGraphs", "paysHarnessOverhead", "source");
            var source = y.String(harness, "source", path)
                ?? throw y.Error(harness, $"{path}.source is missing: name the source (a key under sources:) that documents how this harness drives {runtimeId}.");
            if (!references.ContainsKey(source))
            {
                throw y.Error(y.Get(harness, "source"), $"{path}.source '{source}' is not a key under sources:; add it there with the reference.");
            }

            var cudaGraphs = y.Bool(harness, "cudaGraphs", path) ?? false;
            var pays = y.Bool(harness, "paysHarnessOverhead", path) ?? false;
            if (!cudaGraphs && !pays)
            {
                throw y.Error(harness, $"{path} changes nothing: set cudaGraphs: true (kernels launched as one CUDA graph) and/or paysHarnessOverhead: true (a per-inference cost of its own).");
            }

            harnesses.Add(new RuntimeHarness(harnessId, y.RequireString(harness, "name", path), cudaGraphs, pays, source));
        }

        return harnesses.ToArray();
    }

    // errorBands: { decode: { plusMinusPercent: 7.4, rows: 60, fit: "how" }, prefill: …, network: … }; written by wpt calibrate.
    private static Dictionary<PredictedQuantity, ErrorBand> ReadErrorBands(YamlReader y, YamlMappingNode root, string id)
    {
        var bands = new Dictionary<PredictedQuantity, ErrorBand>();
        if (y.Mapping(root, "errorBands", string.Empty) is not { } map)
        {
            return bands;
        }

        foreach (var (keyNode, valueNode) in map.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value;
            var path = $"errorBands.{name}";
            if (!PredictedQuantityExtensions.TryParse(name, out var quantity))
            {
                throw y.Error(keyNode, $"{path}: '{name}' is not a predicted quantity; use decode, prefill or network.");
            }

            if (valueNode is not YamlMappingNode band)
            {
                throw y.Error(valueNode, $"{path} must be a mapping {{ plusMinusPercent: N, rows: N, fit: \"how it was measured\" }}.");
            }

            y.RejectUnknownKeys(band, path, "plusMinusPercent", "rows", "fit");
            var width = y.Bounded(band, "plusMinusPercent", path, 0, 10_000, "%") ?? throw y.Error(band, $"{path}.plusMinusPercent is missing.");
            var rows = y.Integer(band, "rows", path, 1, 1_000_000, "rows") ?? throw y.Error(band, $"{path}.rows is missing: the number of held-out rows the band was measured on.");
            _ = y.String(band, "fit", path) ?? throw y.Error(band, $"{path}.fit is missing: say how the band was measured (wpt calibrate writes it).");
            bands[quantity] = new ErrorBand(id, width, rows);
        }

        return bands;
    }

    /// <summary>The profile, and the one its fitted figures were fitted from (their <c>prior:</c>; the figure itself where none).</summary>
    private static (RuntimeProfile Profile, RuntimeProfile Prior) ReadProfile(YamlReader y, YamlMappingNode root, Dictionary<string, string> references, string id)
    {
        var profile = y.Mapping(root, "profile", string.Empty)
            ?? throw y.Error(root, "missing 'profile' (decodeDramShare, prefillComputeShare, networkComputeShare, layerOverheadUs, inferenceOverheadUs; each sourced, assumed with a note, or fitted).");
        y.RejectUnknownKeys(profile, "profile", "decodeDramShare", "prefillComputeShare", "networkComputeShare", "layerOverheadUs", "inferenceOverheadUs", "harnessOverheadUs", "channelAlignment", "winogradSpeedup", "byWeights", "origin");
        var byWeights = new Dictionary<string, WeightFormatShares>();
        if (y.Mapping(profile, "byWeights", "profile") is { } formats)
        {
            foreach (var (keyNode, valueNode) in formats.Children)
            {
                var format = ((YamlScalarNode)keyNode).Value!;
                var path = $"profile.byWeights.{format}";
                if (!Core.Workloads.WeightFormat.TryParse(format, out _))
                {
                    throw y.Error(keyNode, $"{path}: '{format}' is not a weight format WorkingPoint knows (wpt predict --help lists them).");
                }

                if (valueNode is not YamlMappingNode shares)
                {
                    throw y.Error(valueNode, $"{path} must be a mapping with decodeDramShare and/or prefillComputeShare.");
                }

                y.RejectUnknownKeys(shares, path, "decodeDramShare", "prefillComputeShare");
                byWeights[format] = new WeightFormatShares(Share(y, shares, "decodeDramShare", path, references), Share(y, shares, "prefillComputeShare", path, references));
            }
        }

        try
        {
            var read = new RuntimeProfile(
                Share(y, profile, "decodeDramShare", "profile", references) ?? throw Missing(y, profile, "decodeDramShare"),
                Share(y, profile, "prefillComputeShare", "profile", references) ?? throw Missing(y, profile, "prefillComputeShare"),
                Share(y, profile, "networkComputeShare", "profile", references) ?? throw Missing(y, profile, "networkComputeShare"),
                Microseconds(y, profile, "layerOverheadUs", references),
                Microseconds(y, profile, "inferenceOverheadUs", references))
            {
                ByWeights = byWeights,
                HarnessOverhead = Microseconds(y, profile, "harnessOverheadUs", references),
                ChannelAlignment = y.Figure(profile, "channelAlignment", "profile", references) is { } alignment
                    ? y.CheckRange(y.Get(profile, "channelAlignment"), "profile.channelAlignment", alignment, 1, RuntimeProfile.MaxChannelAlignment, "channels (1: no padding)")
                    : 1,
                WinogradSpeedup = y.Figure(profile, "winogradSpeedup", "profile", references) is { } winograd
                    ? y.CheckRange(y.Get(profile, "winogradSpeedup"), "profile.winogradSpeedup", winograd, 1, RuntimeProfile.MaxWinogradSpeedup, "(1: no gain; F(6x6, 3x3) saves at most 324/64)")
                    : null,
                Origin = y.String(profile, "origin", "profile") ?? "prior",
            }.Validate(id);
            double? Prior(string key) => y.FigurePrior(profile, key, "profile");
            var prior = read with
            {
                DecodeDramShare = Prior("decodeDramShare") ?? read.DecodeDramShare,
                PrefillComputeShare = Prior("prefillComputeShare") ?? read.PrefillComputeShare,
                NetworkComputeShare = Prior("networkComputeShare") ?? read.NetworkComputeShare,
                LayerOverhead = Prior("layerOverheadUs") is { } layer ? new Seconds(layer * 1e-6) : read.LayerOverhead,
                InferenceOverhead = Prior("inferenceOverheadUs") is { } inference ? new Seconds(inference * 1e-6) : read.InferenceOverhead,
                HarnessOverhead = Prior("harnessOverheadUs") is { } harness ? new Seconds(harness * 1e-6) : read.HarnessOverhead,
                ChannelAlignment = Prior("channelAlignment") ?? read.ChannelAlignment,
                WinogradSpeedup = Prior("winogradSpeedup") ?? read.WinogradSpeedup,
                Origin = "prior",
            };
            return (read, prior.Validate($"{id} (priors)"));
        }
        catch (Core.InvalidInputException ex)
        {
            throw y.Error(profile, ex.Message);
        }
    }

    private static CatalogException Missing(YamlReader y, YamlMappingNode profile, string key) =>
        y.Error(profile, $"profile.{key} is missing; give it as {{ value: N, source: KEY }}, {{ value: null, assumed: N, note: \"why\" }} or {{ value: N, fit: \"how\" }}.");

    private static double? Share(YamlReader y, YamlMappingNode map, string key, string path, Dictionary<string, string> references) =>
        y.Figure(map, key, path, references) is { } v ? y.CheckRange(y.Get(map, key), YamlReader.Join(path, key), v, 0, 1, "(a share of the peak)") : null;

    private static Seconds Microseconds(YamlReader y, YamlMappingNode map, string key, Dictionary<string, string> references)
    {
        var value = y.Figure(map, key, "profile", references) ?? 0;
        y.CheckRange(y.Get(map, key), $"profile.{key}", value, 0, MaxOverheadMicroseconds, "µs");
        return new Seconds(value * 1e-6);
    }

    private static string[] Strings(YamlReader y, YamlMappingNode map, string key) => y.Get(map, key) switch
    {
        null => [],
        YamlSequenceNode seq => seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw y.Error(c, $"{key} must be a list of names.")).ToArray(),
        YamlScalarNode scalar when scalar.Value is { } one => [one],
        var other => throw y.Error(other, $"{key} must be a list of names, e.g. [llm]."),
    };
}
