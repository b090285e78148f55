using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;

namespace WorkingPoint.Cli.Commands;

public sealed class PlatformsCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<PlatformsCommand.Settings>
{
    public sealed class Settings : JsonSettings
    {
        [CommandArgument(0, "[ID]")]
        [Description("A platform id or a path to a platform YAML file; omit to list the catalog.")]
        public string? Id { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Id is null)
        {
            // Once this machine is measured, 'host' is listed as measured (once); before, the placeholder says it is not measured yet.
            var hostMeasured = File.Exists(HostPlatform.DefaultPath);
            var listed = catalog.Platforms.Select(p => p.Id == HostPlatform.Id && hostMeasured ? catalog.ResolvePlatform(HostPlatform.Id) : p).ToArray();
            if (settings.Json)
            {
                Output.Json(console, listed.Select(PlatformJson.From).ToArray());
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).Title("[bold]Platforms[/]");
            foreach (var column in new[] { "Id", "Name", "Style", "Best dense TOPS", "DRAM", "DRAM GB/s", "On-chip", "Max power", "Price" })
            {
                table.AddColumn(column);
            }

            foreach (var p in listed)
            {
                var best = p.Compute.Peaks.OrderByDescending(x => x.Dense.Value).FirstOrDefault();
                table.AddRow(
                    Markup.Escape(p.Id),
                    Markup.Escape(p.Id == HostPlatform.Id && !hostMeasured ? $"{p.Name}: not measured yet (wpt measure roofline)" : p.Name),
                    p.Execution == ExecutionStyle.Dataflow ? "dataflow" : "layer-by-layer",
                    best is null ? "[grey]unknown[/]" : $"{Output.Number(best.Dense.Tops)} {best.Precision.ToId()}",
                    p.Dram is null ? "none" : p.Dram is { Kind: DramKind.Unknown, Capacity: null } ? "[grey]unknown[/]" : $"{Output.DramName(p.Dram.Kind)} {Output.OrUnknown(p.Dram.Capacity?.GiB, v => $"{Output.Number(v)} GiB")}",
                    Output.OrUnknown(p.Dram?.PeakBandwidth?.GBps, v => Output.Number(v)),
                    Output.OrUnknown(p.OnChip.Capacity?.MiB, v => $"{Output.Number(v)} MiB"),
                    Output.Power(p.Power.Max?.Value),
                    p.Price is null ? "[grey]unknown[/]" : $"${Output.Number(p.Price.Amount.Value)}");
            }

            console.Write(table);
            return 0;
        }

        var platform = catalog.ResolvePlatform(settings.Id);
        if (settings.Json)
        {
            Output.Json(console, PlatformJson.From(platform));
            return 0;
        }

        var t = Output.KeyValueTable($"{platform.Name} ({platform.Id})");
        t.Row("vendor / kind", Markup.Escape($"{platform.Vendor} / {platform.Kind}"));
        foreach (var unit in platform.Units)
        {
            var prefix = platform.Units.Count > 1 ? $"{unit.Id}: " : string.Empty;
            if (platform.Units.Count > 1)
            {
                t.Row($"unit {unit.Id}", Markup.Escape($"{unit.Kind.ToId()}, {unit.Name}"));
            }

            t.Row($"{prefix}execution", unit.Execution == ExecutionStyle.Dataflow ? "dataflow (activations stay on chip while they fit)" : "layer-by-layer (each layer's output goes to DRAM and back)");
            foreach (var peak in unit.Compute.Peaks)
            {
                t.Row($"{prefix}peak {peak.Precision.ToId()}", $"{Output.Number(peak.Dense.Tops)} TOPS dense{(peak.QuotedAs == Sparsity.Structured2To4 ? $" (quoted {Output.Number(peak.Quoted.Tops)} with 2:4 sparsity)" : string.Empty)}");
            }

            if (unit.HostLink is { } link)
            {
                t.Row($"{prefix}host link", Markup.Escape($"{link}, {Output.Number(link.PeakBandwidth.GBps)} GB/s"));
            }
        }

        t.Row("usual runtimes", Markup.Escape(string.Join(", ", platform.DefaultRuntimes.Select(kv => $"{kv.Key.ToId()}: {kv.Value.Id}{(platform.DefaultRuntimeIds.ContainsKey(kv.Key) ? string.Empty : " (generic: none named)")}"))));

        t.Row("on-chip memory", $"{Output.OrUnknown(platform.OnChip.Capacity?.MiB, v => $"{Output.Number(v)} MiB")}, {Output.OrUnknown(platform.OnChip.Bandwidth?.GBps, v => $"{Output.Number(v)} GB/s")}");
        t.Row("DRAM", platform.Dram is { } d
            ? Markup.Escape($"{Output.DramName(d.Kind)}, {d.DataRateMegaTransfersPerSecond?.ToString() ?? "?"} MT/s × {d.BusWidthBits?.ToString() ?? "?"} bit = ") + Output.OrUnknown(d.PeakBandwidth?.GBps, v => $"{Output.Number(v)} GB/s") + ", " + Output.OrUnknown(d.Capacity?.GiB, v => $"{Output.Number(v)} GiB")
            : "none (weights must fit on chip or stream over the host link)");
        if (platform.Units.All(u => u.HostLink is null))
        {
            t.Row("host link", "none (on the host's memory bus)");
        }
        t.Row("power", $"idle {Output.Power(platform.Power.Idle?.Value)}, max {Output.Power(platform.Power.Max?.Value)}, sustained {Output.Power(platform.Power.SustainablePower?.Value)}{(platform.Power.PassivelyCooled ? ", passively cooled" : string.Empty)}");
        t.Row("achievable fractions", Markup.Escape($"compute {platform.Achievable.Compute:0.##}, DRAM {platform.Achievable.Dram:0.##}, on-chip {platform.Achievable.OnChip:0.##}, link {platform.Achievable.HostLink:0.##}, usable memory {platform.Achievable.UsableMemory:0.##}"));
        t.Row("price", platform.Price is { } pr ? Markup.Escape($"${pr.Amount.Value:0.##} ({pr.What}, {pr.Date})") : "[grey]unknown[/]");
        t.Row("form factor", Markup.Escape(platform.FormFactor));
        console.Write(t);
        if (platform.Notes is { } notes)
        {
            console.MarkupLine(Markup.Escape(notes));
        }

        var figures = new Table().Border(TableBorder.Simple).Title("[bold]Figures and sources[/]");
        figures.AddColumn("Figure");
        figures.AddColumn("Source / note");
        foreach (var f in platform.Provenance.Figures)
        {
            var status = f.IsAssumption ? "[yellow]assumed[/] " : f.Source is null ? "[grey]unknown[/] " : string.Empty;
            figures.AddRow(Markup.Escape(f.Field), status + Markup.Escape(string.Join(" — ", new[] { f.Source, f.Note }.Where(s => s is not null))));
        }

        console.Write(figures);
        return 0;
    }
}

/// <summary>A platform as JSON: figures with their units in the names.</summary>
internal sealed record PlatformJson(
    string Id,
    string Name,
    string Vendor,
    string Kind,
    string Execution,
    IReadOnlyList<PeakJson> ComputePeaks,
    double? OnChipCapacityMiB,
    double? OnChipBandwidthGBps,
    string? DramType,
    double? DramDataRateMTps,
    int? DramBusWidthBits,
    double? DramPeakBandwidthGBps,
    double? DramCapacityGiB,
    string? HostLink,
    double? HostLinkBandwidthGBps,
    double? IdlePowerW,
    double? MaxPowerW,
    double? SustainedPowerW,
    bool PassivelyCooled,
    double? PriceUsd,
    string? PriceDate,
    string FormFactor,
    AchievableFractions Achievable,
    IReadOnlyList<UnitJson> Units,
    IReadOnlyDictionary<string, string> DefaultRuntimes,
    IReadOnlyList<FigureSource> Sources)
{
    public static PlatformJson From(Platform p) => new(
        p.Id,
        p.Name,
        p.Vendor,
        p.Kind,
        p.Execution == ExecutionStyle.Dataflow ? "dataflow" : "layer-by-layer",
        UnitJson.From(p.PrimaryUnit).ComputePeaks,
        p.OnChip.Capacity?.MiB,
        p.OnChip.Bandwidth?.GBps,
        p.Dram is { } dram ? Output.DramName(dram.Kind) : null,
        p.Dram?.DataRateMegaTransfersPerSecond,
        p.Dram?.BusWidthBits,
        p.Dram?.PeakBandwidth?.GBps,
        p.Dram?.Capacity?.GiB,
        p.HostLink?.ToString(),
        p.HostLink?.PeakBandwidth.GBps,
        p.Power.Idle?.Value,
        p.Power.Max?.Value,
        p.Power.SustainablePower?.Value,
        p.Power.PassivelyCooled,
        p.Price?.Amount.Value,
        p.Price?.Date,
        p.FormFactor,
        p.Achievable,
        p.Units.Select(UnitJson.From).ToArray(),
        p.DefaultRuntimes.ToDictionary(kv => kv.Key.ToId(), kv => kv.Value.Id),
        p.Provenance.Figures);
}

/// <summary>A compute unit as JSON.</summary>
internal sealed record UnitJson(string Id, string Kind, string Name, string Execution, IReadOnlyList<PeakJson> ComputePeaks, string? HostLink, double? HostLinkBandwidthGBps)
{
    public static UnitJson From(ComputeUnit u) => new(
        u.Id,
        u.Kind.ToId(),
        u.Name,
        u.Execution == ExecutionStyle.Dataflow ? "dataflow" : "layer-by-layer",
        u.Compute.Peaks.Select(x => new PeakJson(x.Precision.ToId(), x.Dense.Tops, x.Quoted.Tops, x.QuotedAs == Sparsity.Structured2To4 ? "2:4" : "dense")).ToArray(),
        u.HostLink?.ToString(),
        u.HostLink?.PeakBandwidth.GBps);
}

internal sealed record PeakJson(string Precision, double DenseTops, double QuotedTops, string QuotedSparsity);
