using System.Text.RegularExpressions;
using WorkingPoint.Core;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;
using WorkingPoint.Core.Units;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Catalog;

/// <summary>Reads and validates a platform description (the schema is documented in docs/platform-schema.md).</summary>
public static partial class PlatformYaml
{
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*$")]
    private static partial Regex IdPattern();

    /// <summary>What a platform may be; anything else is refused (the list is closed so that reports can group by it).</summary>
    public static readonly IReadOnlyList<string> Kinds = ["accelerator", "cpu", "gpu", "npu", "soc"];

    // Plausible ranges for physical figures: wide enough for any edge or data-centre part, narrow enough to catch a unit error
    // (GB/s written as MB/s, W as mW) or nonsense (0, negative, 1e308). Stated in docs/limits.md and docs/platform-schema.md.
    internal const double MaxTops = 100_000;
    internal const double MaxBandwidthGBps = 1_000_000;
    internal const double MaxWatts = 10_000;
    internal const double MaxCapacityGiB = 65_536;
    internal const double MaxDataRateMTps = 100_000;
    internal const double MaxBusWidthBits = 16_384;
    internal const double MaxPicojoules = 100_000;
    internal const double MaxUsd = 10_000_000;

    public static Platform Parse(string file, string text)
    {
        var y = YamlReader.Parse(file, text);
        var root = y.Root;
        y.RejectUnknownKeys(root, string.Empty, "id", "name", "vendor", "kind", "execution", "formFactor", "notes", "sources", "compute", "units", "defaultRuntimes", "memory", "hostLink", "power", "achievable", "price");
        var id = y.RequireString(root, "id", string.Empty);
        if (!IdPattern().IsMatch(id))
        {
            throw y.Error(y.Get(root, "id"), $"id '{id}' must be lower-case letters, digits, '-' and '.' (e.g. jetson-orin-nano-8gb).");
        }

        var references = ReadSources(y, root);
        var execution = ParseExecution(y, y.Get(root, "execution"), y.RequireString(root, "execution", string.Empty));

        var kind = y.RequireString(root, "kind", string.Empty);
        if (!Kinds.Contains(kind))
        {
            throw y.Error(y.Get(root, "kind"), $"kind '{kind}' is not one WorkingPoint knows; use one of {string.Join(", ", Kinds)}.");
        }

        var (onChip, dram) = ReadMemory(y, root, references);
        var units = ReadUnits(y, root, references, kind, execution);
        var power = ReadPower(y, root, references);
        var achievable = ReadAchievable(y, root, id);
        var price = ReadPrice(y, root, references);

        return new Platform(
            id,
            y.RequireString(root, "name", string.Empty),
            y.RequireString(root, "vendor", string.Empty),
            kind,
            units,
            onChip,
            dram,
            power,
            achievable,
            price,
            y.String(root, "formFactor", string.Empty) ?? "unspecified",
            new Provenance(references, y.Figures.ToArray()),
            y.String(root, "notes", string.Empty))
        {
            DefaultRuntimeIds = ReadDefaultRuntimes(y, root),
        };
    }

    /// <summary>
    /// The compute units: under <c>units:</c>, one mapping per unit; without it, the platform is one unit described by the
    /// top-level compute and hostLink (the older single-unit form, still accepted for user files).
    /// </summary>
    private static IReadOnlyList<ComputeUnit> ReadUnits(YamlReader y, YamlMappingNode root, Dictionary<string, string> references, string platformKind, ExecutionStyle execution)
    {
        if (y.Mapping(root, "units", string.Empty) is not { } units)
        {
            return [ComputeUnit.Whole(platformKind, execution, ReadCompute(y, root, "compute", references), ReadHostLink(y, root, string.Empty, references))];
        }

        foreach (var key in new[] { "compute", "hostLink" })
        {
            if (y.Get(root, key) is { } misplaced)
            {
                throw y.Error(misplaced, $"'{key}' belongs to a unit when the platform lists units: move it under units.<unit>.{key}.");
            }
        }

        if (units.Children.Count == 0)
        {
            throw y.Error(units, "units: lists no unit; give at least one (cpu, gpu, npu or dla) with its compute.");
        }

        var list = new List<ComputeUnit>();
        foreach (var (keyNode, valueNode) in units.Children)
        {
            var id = ((YamlScalarNode)keyNode).Value!;
            var path = $"units.{id}";
            if (!IdPattern().IsMatch(id))
            {
                throw y.Error(keyNode, $"unit id '{id}' must be lower-case letters, digits, '-' and '.' (e.g. gpu).");
            }

            if (valueNode is not YamlMappingNode unit)
            {
                throw y.Error(valueNode, $"{path} must be a mapping (kind, name, compute, and optionally execution, onChip, hostLink).");
            }

            y.RejectUnknownKeys(unit, path, "kind", "name", "execution", "compute", "onChip", "hostLink", "notes");
            var kindText = y.String(unit, "kind", path) ?? id;
            if (!ComputeUnitKindExtensions.TryParse(kindText, out var kind))
            {
                throw y.Error(y.Get(unit, "kind") ?? keyNode, $"{path}.kind '{kindText}' is not a unit kind WorkingPoint knows; use cpu, gpu, npu or dla.");
            }

            var unitExecution = y.String(unit, "execution", path) is { } e ? ParseExecution(y, y.Get(unit, "execution"), e) : execution;
            var unitOnChip = y.Mapping(unit, "onChip", path) is { } chip ? ReadOnChip(y, chip, $"{path}.onChip", references) : null;
            list.Add(new ComputeUnit(id, kind, y.String(unit, "name", path) ?? kind.ToId(), unitExecution, ReadCompute(y, unit, $"{path}.compute", references), unitOnChip, ReadHostLink(y, unit, path, references)));
        }

        return list;
    }

    private static IReadOnlyDictionary<WorkloadKind, string> ReadDefaultRuntimes(YamlReader y, YamlMappingNode root)
    {
        var result = new Dictionary<WorkloadKind, string>();
        if (y.Mapping(root, "defaultRuntimes", string.Empty) is not { } map)
        {
            return result;
        }

        y.RejectUnknownKeys(map, "defaultRuntimes", "llm", "network");
        foreach (var kind in new[] { WorkloadKind.Llm, WorkloadKind.Network })
        {
            if (y.String(map, kind.ToId(), "defaultRuntimes") is { } runtime)
            {
                result[kind] = runtime;
            }
        }

        return result;
    }

    private static ExecutionStyle ParseExecution(YamlReader y, YamlNode? node, string text) => text switch
    {
        "dataflow" => ExecutionStyle.Dataflow,
        "layer-by-layer" => ExecutionStyle.LayerByLayer,
        _ => throw y.Error(node, $"execution must be 'dataflow' or 'layer-by-layer', got '{text}'."),
    };

    /// <summary>A sourced figure that must be positive (or zero where <paramref name="allowZero"/>) and at most <paramref name="max"/>.</summary>
    private static double? Physical(YamlReader y, YamlMappingNode map, string key, string path, Dictionary<string, string> references, double max, string unit, bool allowZero = false)
    {
        var value = y.Figure(map, key, path, references);
        if (value is not { } v)
        {
            return null;
        }

        var field = YamlReader.Join(path, key);
        if (v < 0 || (v == 0 && !allowZero))
        {
            throw y.Error(y.Get(map, key), $"'{field}' is {YamlReader.Format(v)} {unit}; it must be {(allowZero ? "zero or more" : "positive")} (at most {YamlReader.Format(max)} {unit}). Check the figure, or write value: null with a note where it is unknown.");
        }

        return y.CheckRange(y.Get(map, key), field, v, 0, max, unit);
    }

    private static Dictionary<string, string> ReadSources(YamlReader y, YamlMappingNode root)
    {
        var references = new Dictionary<string, string>();
        if (y.Mapping(root, "sources", string.Empty) is { } sources)
        {
            foreach (var (key, value) in sources.Children)
            {
                references[((YamlScalarNode)key).Value!] = (value as YamlScalarNode)?.Value
                    ?? throw y.Error(value, $"source '{key}' must be a URL or document reference.");
            }
        }

        return references;
    }

    private static ComputeSpec ReadCompute(YamlReader y, YamlMappingNode owner, string path, Dictionary<string, string> references)
    {
        var peaks = new List<ComputePeak>();
        var parent = path.Contains('.') ? path[..path.LastIndexOf('.')] : string.Empty;
        if (y.Mapping(owner, "compute", parent) is { } compute)
        {
            foreach (var (keyNode, valueNode) in compute.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value!;
                if (!PrecisionExtensions.TryParse(key, out var precision))
                {
                    throw y.Error(keyNode, $"unknown precision '{path}.{key}'. Use {PrecisionExtensions.IdList} (peak in TOPS).");
                }

                var tops = y.Figure(compute, key, path, references);
                if (tops is null)
                {
                    continue;
                }

                if (tops <= 0)
                {
                    throw y.Error(valueNode, $"{path}.{key} must be a positive number of TOPS, got {tops}.");
                }

                y.CheckRange(valueNode, $"{path}.{key}", tops.Value, 0, MaxTops, "TOPS");

                var sparsity = (valueNode as YamlMappingNode) is { } m ? y.String(m, "sparsity", $"{path}.{key}") : null;
                var quotedAs = sparsity switch
                {
                    null or "dense" => Sparsity.Dense,
                    "2:4" => Sparsity.Structured2To4,
                    _ => throw y.Error(valueNode, $"{path}.{key}.sparsity must be 'dense' or '2:4', got '{sparsity}'."),
                };
                peaks.Add(new ComputePeak(precision, OpsPerSecond.FromTops(tops.Value), quotedAs));
            }
        }

        return new ComputeSpec(peaks);
    }

    private static (OnChipMemory OnChip, DramSpec? Dram) ReadMemory(YamlReader y, YamlMappingNode root, Dictionary<string, string> references)
    {
        var memory = y.Mapping(root, "memory", string.Empty) ?? throw y.Error(root, "missing 'memory' (onChip and dram; write dram: none for parts without DRAM).");
        y.RejectUnknownKeys(memory, "memory", "onChip", "dram");
        var onChip = y.Mapping(memory, "onChip", "memory") is { } chip ? ReadOnChip(y, chip, "memory.onChip", references) : OnChipMemory.Unknown;

        var dramNode = y.Get(memory, "dram");
        if (dramNode is null || dramNode is YamlScalarNode { Value: "none" })
        {
            return (onChip, null);
        }

        if (dramNode is not YamlMappingNode dram)
        {
            throw y.Error(dramNode, "memory.dram must be a mapping (type, dataRateMTps, busWidthBits, capacityGiB) or 'none'.");
        }

        y.RejectUnknownKeys(dram, "memory.dram", "type", "dataRateMTps", "busWidthBits", "capacityGiB", "measuredGBps");
        var typeText = y.RequireString(dram, "type", "memory.dram");
        var kind = typeText.ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal) switch
        {
            "lpddr4" => DramKind.Lpddr4,
            "lpddr4x" => DramKind.Lpddr4x,
            "lpddr5" => DramKind.Lpddr5,
            "lpddr5x" => DramKind.Lpddr5x,
            "ddr4" => DramKind.Ddr4,
            "ddr5" => DramKind.Ddr5,
            "gddr6" => DramKind.Gddr6,
            "hbm2e" => DramKind.Hbm2e,
            "hbm3" => DramKind.Hbm3,
            "unknown" => DramKind.Unknown,
            _ => throw y.Error(y.Get(dram, "type"), $"unknown DRAM type '{typeText}'. Use LPDDR4, LPDDR4X, LPDDR5, LPDDR5X, DDR4, DDR5, GDDR6, HBM2E, HBM3 or unknown."),
        };
        var rate = Physical(y, dram, "dataRateMTps", "memory.dram", references, MaxDataRateMTps, "MT/s");
        var width = Physical(y, dram, "busWidthBits", "memory.dram", references, MaxBusWidthBits, "bits");
        var capacity2 = Physical(y, dram, "capacityGiB", "memory.dram", references, MaxCapacityGiB, "GiB");
        if (width is { } w && (w <= 0 || w % 8 != 0))
        {
            throw y.Error(y.Get(dram, "busWidthBits"), $"memory.dram.busWidthBits must be a positive multiple of 8, got {w}.");
        }

        var measured = Physical(y, dram, "measuredGBps", "memory.dram", references, MaxBandwidthGBps, "GB/s");
        return (onChip, new DramSpec(kind, rate, width is { } bw ? (int)bw : null, capacity2 is { } cap ? Bytes.FromGiB(cap) : null) { MeasuredBandwidth = measured is { } m ? BytesPerSecond.FromGBps(m) : null });
    }

    private static OnChipMemory ReadOnChip(YamlReader y, YamlMappingNode chip, string path, Dictionary<string, string> references)
    {
        y.RejectUnknownKeys(chip, path, "capacityMiB", "bandwidthGBps", "what");
        var capacity = Physical(y, chip, "capacityMiB", path, references, MaxCapacityGiB * 1024, "MiB");
        var bandwidth = Physical(y, chip, "bandwidthGBps", path, references, MaxBandwidthGBps, "GB/s");
        return new OnChipMemory(capacity is { } c ? Bytes.FromMiB(c) : null, bandwidth is { } b ? BytesPerSecond.FromGBps(b) : null);
    }

    private static HostLink? ReadHostLink(YamlReader y, YamlMappingNode owner, string parent, Dictionary<string, string> references)
    {
        var path = YamlReader.Join(parent, "hostLink");
        if (y.Mapping(owner, "hostLink", parent) is not { } link)
        {
            return null;
        }

        y.RejectUnknownKeys(link, path, "kind", "lanes", "source", "note");
        var kindText = y.RequireString(link, "kind", path);
        var kind = kindText switch
        {
            "pcie-gen1" => HostLinkKind.PcieGen1,
            "pcie-gen2" => HostLinkKind.PcieGen2,
            "pcie-gen3" => HostLinkKind.PcieGen3,
            "pcie-gen4" => HostLinkKind.PcieGen4,
            "pcie-gen5" => HostLinkKind.PcieGen5,
            "usb2" => HostLinkKind.Usb2,
            "usb3-gen1" => HostLinkKind.Usb3Gen1,
            "usb3-gen2" => HostLinkKind.Usb3Gen2,
            _ => throw y.Error(y.Get(link, "kind"), $"unknown host link '{kindText}'. Use pcie-gen1..pcie-gen5, usb2, usb3-gen1 or usb3-gen2."),
        };
        var lanes = y.Integer(link, "lanes", path, 1, 16, "lanes") ?? 1;

        if (y.String(link, "source", path) is null)
        {
            throw y.Error(link, $"{path} needs a source: (the datasheet that states the link).");
        }

        return new HostLink(kind, lanes);
    }

    private static PowerSpec ReadPower(YamlReader y, YamlMappingNode root, Dictionary<string, string> references)
    {
        var power = y.Mapping(root, "power", string.Empty) ?? throw y.Error(root, "missing 'power' (idleW, maxW, passivelyCooled; null figures with a note where unknown).");
        y.RejectUnknownKeys(power, "power", "idleW", "maxW", "sustainedW", "passivelyCooled", "energyPerOpPj", "dramEnergyPjPerBit", "onChipEnergyPjPerBit", "hostLinkEnergyPjPerBit");
        var idle = Physical(y, power, "idleW", "power", references, MaxWatts, "W", allowZero: true);
        var max = Physical(y, power, "maxW", "power", references, MaxWatts, "W");
        var sustained = Physical(y, power, "sustainedW", "power", references, MaxWatts, "W");
        if (idle is { } i && max is { } m && i > m)
        {
            throw y.Error(power, $"power.idleW ({i}) is above power.maxW ({m}).");
        }

        var perOp = new Dictionary<Precision, PicojoulesPerOp>();
        if (y.Mapping(power, "energyPerOpPj", "power") is { } ops)
        {
            foreach (var (keyNode, _) in ops.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value!;
                if (!PrecisionExtensions.TryParse(key, out var precision))
                {
                    throw y.Error(keyNode, $"unknown precision 'power.energyPerOpPj.{key}'. Use {PrecisionExtensions.IdList}.");
                }

                if (Physical(y, ops, key, "power.energyPerOpPj", references, MaxPicojoules, "pJ") is { } pj)
                {
                    perOp[precision] = new PicojoulesPerOp(pj);
                }
            }
        }

        static PicojoulesPerByte? PerBit(double? pjPerBit) => pjPerBit is { } v ? PicojoulesPerByte.FromPicojoulesPerBit(v) : null;
        return new PowerSpec(
            idle is { } a ? new Watts(a) : null,
            max is { } b ? new Watts(b) : null,
            sustained is { } c ? new Watts(c) : null,
            y.Bool(power, "passivelyCooled", "power") ?? false,
            perOp,
            PerBit(Physical(y, power, "dramEnergyPjPerBit", "power", references, MaxPicojoules, "pJ/bit")),
            PerBit(Physical(y, power, "onChipEnergyPjPerBit", "power", references, MaxPicojoules, "pJ/bit")),
            PerBit(Physical(y, power, "hostLinkEnergyPjPerBit", "power", references, MaxPicojoules, "pJ/bit")));
    }

    private static AchievableFractions ReadAchievable(YamlReader y, YamlMappingNode root, string id)
    {
        var d = AchievableFractions.Defaults;
        if (y.Mapping(root, "achievable", string.Empty) is not { } a)
        {
            return d;
        }

        y.RejectUnknownKeys(a, "achievable", "compute", "dram", "onChip", "hostLink", "usableMemory", "note");
        try
        {
            return new AchievableFractions(
                y.Number(a, "compute", "achievable") ?? d.Compute,
                y.Number(a, "dram", "achievable") ?? d.Dram,
                y.Number(a, "onChip", "achievable") ?? d.OnChip,
                y.Number(a, "hostLink", "achievable") ?? d.HostLink,
                y.Number(a, "usableMemory", "achievable") ?? d.UsableMemory).Validate(id);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or WorkingPoint.Core.InvalidInputException)
        {
            throw y.Error(a, ex.Message.Split(" (Parameter")[0]);
        }
    }

    private static Price? ReadPrice(YamlReader y, YamlMappingNode root, Dictionary<string, string> references)
    {
        if (y.Mapping(root, "price", string.Empty) is not { } price)
        {
            return null;
        }

        y.RejectUnknownKeys(price, "price", "usd", "date", "what");
        var usd = Physical(y, price, "usd", "price", references, MaxUsd, "USD");
        return usd is { } amount
            ? new Price(new UsDollars(amount), y.RequireString(price, "date", "price"), y.RequireString(price, "what", "price"))
            : null;
    }
}
