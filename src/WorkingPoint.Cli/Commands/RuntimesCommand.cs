using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Runtimes;

namespace WorkingPoint.Cli.Commands;

/// <summary><c>wpt runtimes [ID]</c>: the runtimes WorkingPoint knows, or one runtime with its profile and sources.</summary>
public sealed class RuntimesCommand(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog) : Command<RuntimesCommand.Settings>
{
    public sealed class Settings : JsonSettings
    {
        [CommandArgument(0, "[ID]")]
        [Description("A runtime id or a path to a runtime YAML file; omit to list them.")]
        public string? Id { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Id is null)
        {
            if (settings.Json)
            {
                Output.Json(console, catalog.Runtimes.Select(RuntimeJson.From).ToArray());
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).Title("[bold]Runtimes[/]");
            foreach (var column in new[] { "Id", "Name", "Unit", "Runs", "DRAM share", "Prefill compute", "Network compute", "Per layer", "Per inference", "Profile" })
            {
                table.AddColumn(column);
            }

            foreach (var r in catalog.Runtimes)
            {
                var p = r.Profile;
                table.AddRow(
                    Markup.Escape(r.Id),
                    Markup.Escape(r.Name),
                    r.Unit.ToId(),
                    string.Join(", ", r.Runs.Select(k => k.ToId())),
                    Output.Number(p.DecodeDramShare),
                    Output.Number(p.PrefillComputeShare),
                    Output.Number(p.NetworkComputeShare),
                    $"{Output.Number(p.LayerOverhead.Value * 1e6)} µs",
                    $"{Output.Number(p.InferenceOverhead.Value * 1e6)} µs",
                    Markup.Escape(p.Origin));
            }

            console.Write(table);
            return 0;
        }

        var runtime = catalog.ResolveRuntime(settings.Id);
        if (settings.Json)
        {
            Output.Json(console, RuntimeJson.From(runtime));
            return 0;
        }

        var profile = runtime.Profile;
        var t = Output.KeyValueTable($"{runtime.Name} ({runtime.Id})");
        t.Row("unit", runtime.Unit.ToId());
        t.Row("runs", string.Join(" and ", runtime.Runs.Select(k => k == WorkloadKind.Llm ? "LLMs" : "networks")));
        t.Row("computes", runtime.Executes.Count == 0 ? "at the requested precision" : Markup.Escape(string.Join(", ", runtime.Executes.Select(kv => $"{kv.Key.ToId()} at {kv.Value.ToId()}"))));
        if (runtime.OfflineUnits.Count > 1)
        {
            t.Row("offline units", Markup.Escape($"{string.Join(" + ", runtime.OfflineUnits.Select(u => u.ToId()))} at once when every input is waiting (MLPerf Offline)"));
        }

        t.Row("DRAM share", Output.Number(profile.DecodeDramShare));
        t.Row("prefill compute share", Output.Number(profile.PrefillComputeShare));
        t.Row("network compute share", Output.Number(profile.NetworkComputeShare));
        foreach (var (format, shares) in profile.ByWeights)
        {
            t.Row($"  {format}", Markup.Escape($"DRAM share {(shares.DecodeDramShare is { } d ? Output.Number(d) : "as above")}, prefill compute share {(shares.PrefillComputeShare is { } c ? Output.Number(c) : "as above")}"));
        }

        t.Row("fixed cost", $"{Output.Number(profile.LayerOverhead.Value * 1e6)} µs per layer, {Output.Number(profile.InferenceOverhead.Value * 1e6)} µs per inference");
        foreach (var h in runtime.Harnesses)
        {
            var pays = h.CudaGraphs
                ? "no per-layer cost (one CUDA graph per inference)"
                : $"{Output.Number(profile.HarnessOverhead.Value * 1e6)} µs more per inference";
            t.Row($"harness {h.Id}", Markup.Escape($"{h.Name}: {pays}{(h.CudaGraphs && h.PaysHarnessOverhead ? $", {Output.Number(profile.HarnessOverhead.Value * 1e6)} µs more per inference" : string.Empty)}"));
        }

        t.Row("profile", Markup.Escape(profile.FollowsPlatform ? "the platform's achievable fractions (a generic runtime)" : profile.Origin));
        t.Row("usual on", Markup.Escape(string.Join(", ", catalog.Platforms.Where(p => p.DefaultRuntimes.Values.Contains(runtime)).Select(p => p.Id).DefaultIfEmpty("no catalog platform"))));
        console.Write(t);
        if (runtime.Notes is { } notes)
        {
            console.MarkupLine(Markup.Escape(notes));
        }

        console.Write(Output.FiguresTable(runtime.Provenance.Figures));
        return 0;
    }
}

/// <summary>A runtime as JSON.</summary>
internal sealed record RuntimeJson(
    string Id,
    string Name,
    string Unit,
    IReadOnlyList<string> Runs,
    IReadOnlyDictionary<string, string> Executes,
    double DecodeDramShare,
    double PrefillComputeShare,
    double NetworkComputeShare,
    double LayerOverheadUs,
    double InferenceOverheadUs,
    IReadOnlyDictionary<string, WeightFormatShares> ByWeights,
    string Origin,
    IReadOnlyList<FigureSource> Sources)
{
    public static RuntimeJson From(Runtime r) => new(
        r.Id,
        r.Name,
        r.Unit.ToId(),
        r.Runs.Select(k => k.ToId()).ToArray(),
        r.Executes.ToDictionary(kv => kv.Key.ToId(), kv => kv.Value.ToId()),
        r.Profile.DecodeDramShare,
        r.Profile.PrefillComputeShare,
        r.Profile.NetworkComputeShare,
        r.Profile.LayerOverhead.Value * 1e6,
        r.Profile.InferenceOverhead.Value * 1e6,
        r.Profile.ByWeights,
        r.Profile.Origin,
        r.Provenance.Figures);
}
