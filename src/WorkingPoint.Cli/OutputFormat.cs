using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;
using WorkingPoint.Cli.Commands;
using WorkingPoint.Core;

namespace WorkingPoint.Cli;

/// <summary>How a command writes its results (--format; --json is --format json).</summary>
public enum OutputFormat
{
    /// <summary>Terminal tables that never split a number; one record per block where a table does not fit the width.</summary>
    Table,

    /// <summary>Markdown pipe tables, headings and lists.</summary>
    Markdown,

    /// <summary>RFC 4180 CSV: a header row, then one row per record; several tables are separated by an empty line.</summary>
    Csv,

    /// <summary>One indented JSON document (docs/json.md).</summary>
    Json,

    /// <summary>JSON lines: one compact JSON object per record.</summary>
    JsonLines,
}

internal static class OutputFormats
{
    public const string Names = "table, md, csv, json or jsonl";

    public static OutputFormat Parse(string text) => text.ToLowerInvariant() switch
    {
        "table" => OutputFormat.Table,
        "md" or "markdown" => OutputFormat.Markdown,
        "csv" => OutputFormat.Csv,
        "json" => OutputFormat.Json,
        "jsonl" or "ndjson" => OutputFormat.JsonLines,
        _ => throw new InvalidInputException($"--format '{text}' is not a format; use {Names}."),
    };
}

/// <summary>
/// The console every command writes to. Tables written to it are laid out in the format the user picked: as a terminal table
/// whose number columns never wrap (falling back to one record per block where the table cannot fit the width), as a Markdown
/// pipe table, or as CSV. Commands build one Spectre table and never format twice; JSON goes through <see cref="Output.Json"/>.
/// </summary>
internal sealed class FormattedConsole(IAnsiConsole inner, TextWriter errors) : IAnsiConsole
{
    // Several tables in one CSV output are separated by an empty line.
    private bool _wroteCsv;

    /// <summary>Set from the command's settings once the command line is parsed (see <see cref="ParsedSettingsInterceptor"/>).</summary>
    public OutputFormat Format { get; set; } = OutputFormat.Table;

    /// <summary>Where log lines and errors go (stderr): a long-running command (wpt agent) logs there, keeping stdout for results.</summary>
    public TextWriter Errors => errors;

    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public void Clear(bool home) => inner.Clear(home);

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    public void Write(IRenderable renderable)
    {
        switch (Format, renderable)
        {
            case (OutputFormat.Table, Table table):
                TableLayout.Write(inner, table);
                break;
            case (OutputFormat.Markdown, Table table):
                WriteRaw(MarkdownTable(TabularText.Of(table, inner.Profile.Capabilities)));
                break;
            case (OutputFormat.Markdown, _):
                WriteRaw(TabularText.Plain(renderable, inner.Profile.Capabilities));
                break;
            case (OutputFormat.Csv, Table table):
                WriteRaw(CsvTable(TabularText.Of(table, inner.Profile.Capabilities), first: !_wroteCsv));
                _wroteCsv = true;
                break;
            case (OutputFormat.Csv, _):
                // CSV on stdout stays machine-readable: what is not a table (notes, "wrote FILE") goes to stderr.
                errors.Write(TerminalText.Clean(TabularText.Plain(renderable, inner.Profile.Capabilities), keepLineBreaks: true));
                break;
            default:
                inner.Write(renderable);
                break;
        }
    }

    private void WriteRaw(string text)
    {
        // Raw text bypasses the renderables that TerminalSafeConsole cleans, so it is cleaned here.
        var writer = inner.Profile.Out.Writer;
        writer.Write(TerminalText.Clean(text, keepLineBreaks: true));
        writer.Flush();
    }

    internal static string MarkdownTable(TabularText t)
    {
        var text = new StringBuilder();
        if (t.Title.Length > 0)
        {
            text.Append("**").Append(Cell(t.Title)).Append("**\n\n");
        }

        text.Append("| ").AppendJoin(" | ", t.Headers.Select(Cell)).Append(" |\n");
        text.Append('|').AppendJoin('|', t.Numeric.Select(n => n ? " ---: " : " --- ")).Append("|\n");
        foreach (var row in t.Rows)
        {
            text.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
        }

        return text.Append('\n').ToString();

        static string Cell(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
    }

    /// <summary>RFC 4180: CRLF line ends; a field with a comma, quote or line break is quoted, quotes doubled.</summary>
    internal static string CsvTable(TabularText t, bool first)
    {
        var text = new StringBuilder();
        if (!first)
        {
            text.Append("\r\n");
        }

        text.AppendJoin(',', t.Headers.Select(Field)).Append("\r\n");
        foreach (var row in t.Rows)
        {
            text.AppendJoin(',', row.Select(Field)).Append("\r\n");
        }

        return text.ToString();

        static string Field(string s) => s.IndexOfAny([',', '"', '\r', '\n']) < 0 ? s : $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }
}

/// <summary>A table as plain text: its title, headers, which columns hold numbers, and its rows.</summary>
internal sealed record TabularText(string Title, IReadOnlyList<string> Headers, IReadOnlyList<bool> Numeric, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public static TabularText Of(Table table, IReadOnlyCapabilities capabilities)
    {
        var headers = table.Columns.Select(c => Plain(c.Header, capabilities).Trim()).ToArray();
        var rows = table.Rows.Select(r => (IReadOnlyList<string>)r.Select(cell => Plain(cell, capabilities).Trim()).ToArray()).ToArray();
        var numeric = headers.Select((_, i) => TableLayout.IsNumberColumn(rows.Select(r => i < r.Count ? r[i] : string.Empty))).ToArray();
        return new TabularText(table.Title is { } title ? Markup.Remove(title.Text) : string.Empty, headers, numeric, rows);
    }

    /// <summary>What a renderable says, without styles; its lines kept, nothing wrapped.</summary>
    public static string Plain(IRenderable renderable, IReadOnlyCapabilities capabilities)
    {
        const int unbounded = 100_000;
        var text = new StringBuilder();
        foreach (var segment in renderable.Render(new RenderOptions(capabilities, new Size(unbounded, unbounded)), unbounded))
        {
            if (segment.IsLineBreak)
            {
                text.Append('\n');
            }
            else if (!segment.IsControlCode)
            {
                text.Append(segment.Text);
            }
        }

        return text.ToString();
    }
}

/// <summary>
/// Terminal tables that read at any width: columns of numbers never wrap, no column is narrower than its longest word or its
/// header's longest word, and a table that cannot meet that within the console's width is written one record per block
/// (<c>Header: value</c> lines under the record's first cell).
/// </summary>
internal static class TableLayout
{
    public static void Write(IAnsiConsole console, Table table)
    {
        var text = TabularText.Of(table, console.Profile.Capabilities);
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (text.Numeric[i])
            {
                table.Columns[i].NoWrap = true;
                table.Columns[i].Alignment ??= Justify.Right;
            }
        }

        if (table.Columns.Count < 3 || MinimumWidth(text, padding: 2) <= console.Profile.Width)
        {
            console.Write(table);
            return;
        }

        // Next best: one space between columns instead of two.
        if (MinimumWidth(text, padding: 1) <= console.Profile.Width)
        {
            foreach (var column in table.Columns)
            {
                column.Padding = new Padding(0, 0, 1, 0);
            }

            console.Write(table);
            return;
        }

        WriteBlocks(console, table, text);
    }

    /// <summary>
    /// The narrowest the table can be without splitting a number or a word: cells, <paramref name="padding"/> spaces and one
    /// border line per column, and the closing border.
    /// </summary>
    internal static int MinimumWidth(TabularText text, int padding)
    {
        var width = 1;
        for (var i = 0; i < text.Headers.Count; i++)
        {
            var cells = text.Rows.Select(r => i < r.Count ? r[i] : string.Empty).Append(text.Headers[i]);
            var column = text.Numeric[i] ? cells.Max(LongestLine) : cells.Max(LongestWord);
            width += column + padding + 1;
        }

        return width;
    }

    private static void WriteBlocks(IAnsiConsole console, Table table, TabularText text)
    {
        if (table.Title is { } title)
        {
            console.Write(new Markup(title.Text + "\n"));
        }

        var keyWidth = text.Headers.Skip(1).Select(h => h.Length).DefaultIfEmpty(0).Max() + 1;
        foreach (var row in table.Rows)
        {
            var cells = row.ToArray();
            console.Write(new Rule().LeftJustified().RuleStyle(Style.Plain));
            console.Write(cells[0]);
            console.WriteLine();
            var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).Width(keyWidth + 2)).AddColumn(new GridColumn());
            for (var i = 1; i < cells.Length && i < text.Headers.Count; i++)
            {
                grid.AddRow(new Text(text.Headers[i] + ":"), cells[i]);
            }

            console.Write(grid);
        }

        console.WriteLine();
    }

    // A number, optionally signed or prefixed (×, $, ≈, ~), optionally followed by one short unit or a percent sign.
    private static readonly Regex NumberCell = new(@"^[-+−×$≈~<>≤≥]?\$?[0-9][0-9.,]*(\s?[%]|\s[^\s]{1,8})?$", RegexOptions.CultureInvariant);

    /// <summary>A column of numbers (with at most a short unit): placeholders such as –, ?, ∞ and "unknown" do not count.</summary>
    internal static bool IsNumberColumn(IEnumerable<string> cells)
    {
        var any = false;
        foreach (var cell in cells)
        {
            if (cell is "" or "–" or "-" or "?" or "∞" or "unknown" or "n/a")
            {
                continue;
            }

            if (!NumberCell.IsMatch(cell))
            {
                return false;
            }

            any = true;
        }

        return any;
    }

    private static int LongestLine(string s) => s.Split('\n').Max(l => l.Length);

    private static int LongestWord(string s) => s.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.Length).DefaultIfEmpty(0).Max();
}

/// <summary>
/// Runs once the command line is parsed, before the command: every numeric option checked against its limit, and the console
/// told which format the command asked for.
/// </summary>
internal sealed class ParsedSettingsInterceptor(FormattedConsole console) : ICommandInterceptor
{
    public void Intercept(CommandContext context, CommandSettings settings)
    {
        Limits.Check(settings);
        if (settings is JsonSettings s)
        {
            console.Format = s.OutputFormat;
        }
    }

    public void InterceptResult(CommandContext context, CommandSettings settings, ref int result)
    {
    }
}

/// <summary>
/// The console wpt writes to: a terminal's own width and colours; when stdout is redirected or piped, no ANSI codes and a fixed
/// width (<see cref="PipedWidth"/>, or $COLUMNS) so that tables come out the same wherever they are read. NO_COLOR (any
/// non-empty value, no-color.org) turns colour off.
/// </summary>
public static class WptConsole
{
    public const int PipedWidth = 160;

    /// <param name="terminalAnsi">How a terminal's ANSI support is found: detected, unless a caller (a test) knows.</param>
    public static IAnsiConsole Create(TextWriter stdout, bool isTerminal, Func<string, string?> environment, AnsiSupport terminalAnsi = AnsiSupport.Detect)
    {
        var noColor = !string.IsNullOrEmpty(environment("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = isTerminal ? terminalAnsi : AnsiSupport.No,
            ColorSystem = noColor || !isTerminal ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            console.Profile.Width = int.TryParse(environment("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns is >= 40 and <= 1000 ? columns : PipedWidth;
        }

        return console;
    }
}
