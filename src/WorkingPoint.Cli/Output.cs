using WorkingPoint.Core;
using WorkingPoint.Core.Units;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace WorkingPoint.Cli;

/// <summary>Writing results: JSON (camelCase, unit-suffixed names, see docs/json.md) or Spectre tables.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Writes JSON to the console's raw writer, so no markup or line wrapping touches it.</summary>
    public static void Json<T>(IAnsiConsole console, T value)
    {
        var writer = console.Profile.Out.Writer;
        writer.Write(JsonSerializer.Serialize(value, JsonOptions));
        writer.Write('\n');
        writer.Flush();
    }

    public static string Number(double value, int significant = 3)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return "–";
        }

        if (value == 0)
        {
            return "0";
        }

        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = Math.Clamp(significant - 1 - magnitude, 0, 6);
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    public static string Ms(double seconds) => $"{Number(seconds * 1000)} ms";

    public static string Bytes(double bytes) =>
        bytes >= 1e9 ? $"{Number(bytes / 1e9)} GB" : bytes >= 1e6 ? $"{Number(bytes / 1e6)} MB" : bytes >= 1e3 ? $"{Number(bytes / 1e3)} kB" : $"{Number(bytes)} B";

    public static string OrUnknown(double? value, Func<double, string> format) => value is { } v ? format(v) : "[grey]unknown[/]";

    /// <summary>Power in W, mW or µW with three significant digits (<see cref="PowerText"/>); grey "unknown" when unpublished, never 0.</summary>
    public static string Power(double? watts) => OrUnknown(watts, w => PowerText.Watts(w));

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
        foreach (var line in list)
        {
            console.MarkupLine($"  • {Markup.Escape(line)}");
        }
    }

    /// <summary>Runs <paramref name="run"/> under a progress bar on an interactive console; plainly otherwise (pipes, tests).</summary>
    public static T WithProgress<T>(IAnsiConsole console, string description, Func<IProgress<double>?, T> run)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return run(null);
        }

        T result = default!;
        console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: 1);
                result = run(new Progress<double>(fraction => task.Value = fraction));
                task.Value = 1;
            });
        return result;
    }

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
    public static string ExistingDirectoryOf(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        return Directory.Exists(directory)
            ? directory
            : throw new InvalidInputException($"-o {path}: the directory {directory} does not exist. Create it, or write elsewhere.");
    }
}
