using WorkingPoint.Core;
using WorkingPoint.Core.Units;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Evaluation;

namespace WorkingPoint.Cli;

/// <summary>Writing results: JSON (camelCase, unit-suffixed names, see docs/json.md) or Spectre tables.</summary>
internal static class Output
{
    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private static readonly JsonSerializerOptions JsonLineOptions = new(JsonOptions) { WriteIndented = false };

    /// <summary>
    /// Writes JSON to the console's raw writer, so no markup or line wrapping touches it. Under --format jsonl: one compact line
    /// per record, the records being <paramref name="records"/> where given, else the elements of an array, else the value.
    /// Every other document starts with the <c>wpt</c> provenance object (version, commit, catalog hash); an array goes under
    /// <c>items</c> (docs/json.md).
    /// </summary>
    /// <summary>Every figure of a description with its source or note, assumptions and unknowns marked.</summary>
    public static Table FiguresTable(IEnumerable<WorkingPoint.Core.Hardware.FigureSource> figures)
    {
        var table = new Table().Border(TableBorder.Simple).Title("[bold]Figures and sources[/]");
        table.AddColumn("Figure");
        table.AddColumn("Source / note");
        foreach (var f in figures)
        {
            var status = f.IsAssumption ? "[yellow]assumed[/] " : f.Source is null ? "[grey]unknown[/] " : string.Empty;
            table.AddRow(Markup.Escape(f.Field), status + Markup.Escape(string.Join(" — ", new[] { f.Source, f.Note }.Where(s => s is not null))));
        }

        return table;
    }

    public static void Json<T>(IAnsiConsole console, T value, System.Collections.IEnumerable? records = null)
    {
        var writer = console.Profile.Out.Writer;
        if (console is FormattedConsole { Format: OutputFormat.JsonLines })
        {
            foreach (var record in records ?? (value as System.Collections.IEnumerable is { } list and not string ? list : new object?[] { value }))
            {
                writer.Write(JsonSerializer.Serialize(record, record?.GetType() ?? typeof(object), JsonLineOptions));
                writer.Write('\n');
            }
        }
        else
        {
            writer.Write(WptBuild.Current.Stamp(JsonSerializer.SerializeToNode(value, JsonOptions)).ToJsonString(JsonOptions));
            writer.Write('\n');
        }

        writer.Flush();
    }

    public static string Number(double value, int significant = 3) => Formatting.Number(value, significant);

    public static string Ms(double seconds) => $"{Number(seconds * 1000)} ms";

    public static string Bytes(double bytes) => Formatting.Bytes(bytes);

    public static string OrUnknown(double? value, Func<double, string> format) => value is { } v ? format(v) : "[grey]unknown[/]";

    /// <summary>A DRAM type as datasheets write it: LPDDR4X, DDR5, HBM2E.</summary>
    public static string DramName(WorkingPoint.Core.Hardware.DramKind kind) =>
        kind == WorkingPoint.Core.Hardware.DramKind.Unknown ? "unknown type" : kind.ToString().ToUpperInvariant();

    /// <summary>Power in W, mW or µW with three significant digits (<see cref="PowerText"/>); grey "unknown" when unpublished, never 0.</summary>
    public static string Power(double? watts) => OrUnknown(watts, w => PowerText.Watts(w));

    /// <summary>A predicted average power on <paramref name="platform"/>: "≥" marks it a lower bound when the idle power is unpublished.</summary>
    public static string PowerOn(WorkingPoint.Core.Hardware.Platform platform, double? watts) =>
        (watts is not null && platform.Power.Idle is null ? "≥ " : string.Empty) + Power(watts);

    public static Table KeyValueTable(string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(title)}[/]");
        table.AddColumn("Quantity");
        table.AddColumn(new TableColumn("Value"));
        return table;
    }

    public static void Row(this Table table, string key, string value) => table.AddRow(Markup.Escape(key), value);

    public static void Notes(IAnsiConsole console, string heading, IEnumerable<string> lines)
    {
        var list = lines.ToList();
        if (list.Count == 0)
        {
            return;
        }

        console.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");

        // A hanging indent: a wrapped note stays under its own text, clear of the bullets.
        var notes = new Grid().AddColumn(new GridColumn().NoWrap().Padding(2, 0, 1, 0)).AddColumn(new GridColumn().Padding(0, 0, 0, 0));
        foreach (var line in list)
        {
            notes.AddRow(new Text("•"), new Text(line));
        }

        console.Write(notes);
    }

    /// <summary>Runs <paramref name="run"/> under a progress bar on an interactive console; plainly otherwise (pipes, tests).</summary>
    public static T WithProgress<T>(IAnsiConsole console, string description, Func<IProgress<double>?, T> run) =>
        new ConsoleBenchmarkProgress(console).Phase(description, run);

    /// <summary>Runs <paramref name="run"/> under a spinner with <paramref name="text"/> on an interactive console; plainly otherwise.</summary>
    public static T WithStatus<T>(IAnsiConsole console, string text, Func<T> run)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return run();
        }

        T result = default!;
        console.Status().Start(Markup.Escape(text), _ => result = run());
        return result;
    }

    /// <summary>The existing directory an output file (-o) goes into; refused up front, before any work, when it does not exist.</summary>
    public static string ExistingDirectoryOf(string path) => Formatting.ExistingDirectoryOf(path);

    /// <summary>Long library steps (synthesizing a model) shown with <see cref="WithProgress{T}"/> on this console.</summary>
    public static ShowProgress Progress(IAnsiConsole console) => (description, work) => WithProgress<object?>(console, description, progress =>
    {
        work(progress);
        return null;
    });
}
