using WorkingPoint.Core;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.Scenarios;

using WorkingPoint.Core.Files;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Commands;

/// <summary>Options of every command that reads or writes the results database.</summary>
public class DatabaseSettings : JsonSettings
{
    [CommandOption("--db <PATH>")]
    [Description("Results database (SQLite). Default: $WPT_RESULTS_DB, else results.db in the data directory (docs/results.md).")]
    public string? Db { get; init; }
}

/// <summary>Options of commands that measure: where the result is saved, or that it is not.</summary>
public class MeasureSettings : DatabaseSettings
{
    [CommandOption("--no-save")]
    [Description("Do not save the result in the results database.")]
    public bool NoSave { get; init; }
}

internal static class ResultsText
{
    /// <summary>By name only: Enum.TryParse would also take "7" or "onnx,llm" (a bitwise OR, i.e. another kind).</summary>
    public static MeasurementKind? ParseKind(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : Enum.GetValues<MeasurementKind>().Where(k => string.Equals(k.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase)).Cast<MeasurementKind?>().FirstOrDefault()
            ?? throw new InvalidInputException($"--kind '{text}' is not a kind of measurement; use one of {string.Join(", ", Enum.GetNames<MeasurementKind>().Select(n => n.ToLowerInvariant()))}.");

    /// <summary>Ids are parsed here rather than by the command-line parser, whose error ("Failed to convert") names no fix.</summary>
    public static long ParseId(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new InvalidInputException($"'{text}' is not a result id; ids are whole numbers from 1, as 'wpt results list' shows.");

    /// <summary>A stored record as JSON (show --json, export --json): the record's own fields, the duration in seconds rather than a TimeSpan string.</summary>
    public static object JsonOf(StoredMeasurement stored) => JsonOf(stored.Id, stored.WptVersion, stored.WptCommit, stored.CatalogSha256, stored.Record);

    /// <summary>Also the form of a side file (no id yet), so <c>wpt results import</c> reads both.</summary>
    public static object JsonOf(long? id, string? wptVersion, string? wptCommit, string? catalogSha256, MeasurementRecord r) => new
    {
        id,
        wptVersion,
        wptCommit,
        catalogSha256,
        record = new { r.Kind, r.StartedAt, durationSeconds = r.Duration.TotalSeconds, r.Platform, r.ModelName, r.ModelSha256, r.Parameters, r.Metrics, r.Samples, r.Notes, r.Status, r.RunGroup, r.Verdict, r.Manifest },
    };

    /// <summary>The verdict as rows of a key-value table: rules, VALID/INVALID, early-stopping estimate, variation, contention, warnings.</summary>
    public static void VerdictRows(Table table, RunVerdict verdict)
    {
        table.Row("Run rules", Markup.Escape(verdict.Rules));
        table.Row("Verdict", verdict.Validity == Validity.Valid ? $"[green]{Markup.Escape(verdict.Summary)}[/]" : $"[red]{Markup.Escape(verdict.Summary)}[/]");
        if (verdict.EarlyStoppingPercentile is { } percentile)
        {
            table.Row($"Early-stopping p{percentile.ToString("0.##", CultureInfo.InvariantCulture)}", verdict.EarlyStoppingEstimateMs is { } ms ? $"{Output.Number(ms)} ms (99 % confidence)" : "too few queries for an estimate");
        }

        table.Row("Variation", verdict.VariationPercent is { } cv ? $"{Output.Number(cv, 2)} %" : "too few samples to tell");
        table.Row("Other CPU load", Markup.Escape(verdict.Contention?.ToString() ?? CpuContention.NotMeasurable));
        foreach (var warning in verdict.Warnings)
        {
            table.Row("Warning", $"[yellow]{Markup.Escape(warning)}[/]");
        }
    }

    public static string StatusText(RunStatus status) => status.ToString().ToLowerInvariant();

    public static string When(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Value(double value, string unit) => $"{Output.Number(value)} {unit}".TrimEnd();

    public static StoredMeasurement Require(WorkingPoint.Results.Sqlite.SqliteResultStore store, string text) =>
        ParseId(text) is var id && store.Find(id) is { } found
            ? found
            : throw new ResultStoreException($"No result with id {id} in the results database; run 'wpt results list' for the ids.");

    /// <summary>
    /// Opens and checks the results database before a command measures (unless --no-save): a database that cannot take the
    /// result is refused before any time is spent. Dispose it when done; call <see cref="ResultSaver.ThrowIfUnsaved"/> last.
    /// </summary>
    public static ResultSaver Prepare(IAnsiConsole console, MeasureSettings settings, bool quiet) => ResultSaver.Open(console, settings, quiet);
}

public sealed class ResultsListCommand(IAnsiConsole console) : Command<ResultsListCommand.Settings>
{
    public sealed class Settings : DatabaseSettings
    {
        [CommandOption("--kind <KIND>")]
        [Description("Only one kind: roofline, onnx, llm, mix, validate, usecase.")]
        public string? Kind { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most this many, newest first. Default 50.")]
        [DefaultValue(50)]
        [Limit(1, 1_000_000)]
        public int Limit { get; init; } = 50;

        public override ValidationResult Validate() => Limit < 1 ? ValidationResult.Error("--limit must be at least 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var kind = ResultsText.ParseKind(settings.Kind);
        var path = ResultsDatabase.PathFor(settings.Db);
        if (!ResultsDatabase.Exists(path))
        {
            // Listing never creates the file: a mistyped --db must not leave an empty database behind.
            if (settings.Json)
            {
                Output.Json(console, Array.Empty<object>());
            }
            else
            {
                NoResults(path);
            }

            return 0;
        }

        using var store = ResultsDatabase.Open(settings.Db);
        var results = store.List(kind, settings.Limit);
        if (settings.Json)
        {
            Output.Json(console, results.Select(r => new { r.Id, startedAt = r.Record.StartedAt, kind = r.Record.Kind, status = r.Record.Status, model = r.Record.ModelName, headline = r.Record.Metrics.Count > 0 ? r.Record.Metrics[0] : null, machine = r.Record.Platform.CpuModel }));
            return 0;
        }

        if (results.Count == 0)
        {
            NoResults(store.Path);
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Results[/] ({Markup.Escape(store.Path)})");
        foreach (var column in new[] { "Id", "When (UTC)", "Kind", "Status", "Model", "Headline", "Machine" })
        {
            table.AddColumn(column);
        }

        foreach (var (id, record) in results)
        {
            var headline = record.Metrics.Count > 0 && record.Metrics[0] is var m ? $"{m.Name} {ResultsText.Value(m.Value, m.Unit)}" : "–";
            table.AddRow(id.ToString(CultureInfo.InvariantCulture), ResultsText.When(record.StartedAt), record.Kind.ToString().ToLowerInvariant(), record.Status == RunStatus.Complete ? "complete" : $"[yellow]{ResultsText.StatusText(record.Status)}[/]", Markup.Escape(record.ModelName ?? "–"), Markup.Escape(headline), Markup.Escape($"{record.Platform.CpuModel} ({record.Platform.Hostname})"));
        }

        console.Write(table);
        var total = store.Count(kind);
        if (total > results.Count)
        {
            console.MarkupLine($"Showing the newest {results.Count} of {total}; --limit N shows more.");
        }

        return 0;
    }

    private void NoResults(string path) =>
        console.MarkupLine($"No results in {Markup.Escape(path)} yet; 'wpt measure roofline', 'wpt bench onnx' or 'wpt validate' make some.");
}

public sealed class ResultsShowCommand(IAnsiConsole console) : Command<ResultsShowCommand.Settings>
{
    public sealed class Settings : DatabaseSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("The result's id (wpt results list).")]
        public string Id { get; init; } = string.Empty;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var store = ResultsDatabase.OpenExisting(settings.Db);
        var stored = ResultsText.Require(store, settings.Id);
        var (id, record) = stored;
        if (settings.Json)
        {
            Output.Json(console, ResultsText.JsonOf(stored));
            return 0;
        }

        var summary = Output.KeyValueTable($"Result {id}: {record.Kind.ToString().ToLowerInvariant()}{(record.ModelName is null ? string.Empty : $" of {record.ModelName}")}");
        summary.Row("Status", Markup.Escape(record.Status switch
        {
            RunStatus.Complete => "complete",
            RunStatus.Incomplete => "incomplete: part of a run whose other parts never all landed (killed, or still running)",
            _ => "interrupted: stopped early (Ctrl-C); holds what was measured before",
        }));
        if (record.RunGroup is { } group)
        {
            summary.Row("Run group", Markup.Escape($"{group} (the parts of one run share it)"));
        }

        summary.Row("Started (UTC)", ResultsText.When(record.StartedAt));
        summary.Row("Duration", $"{Output.Number(record.Duration.TotalSeconds)} s");
        summary.Row("Model SHA-256", Markup.Escape(record.ModelSha256 ?? "–"));
        summary.Row("Machine", Markup.Escape(record.Platform.ToString()));
        summary.Row("Host name", Markup.Escape(record.Platform.Hostname));
        summary.Row("Saved by", Markup.Escape(stored.WptVersion is { } version ? $"wpt {version}" : "an older wpt (not recorded)"));
        summary.Row("Build commit", Markup.Escape(stored.WptCommit ?? "not recorded"));
        summary.Row("Catalog SHA-256", Markup.Escape(stored.CatalogSha256 ?? "not recorded"));
        foreach (var (name, runtime) in record.Platform.RuntimeVersions)
        {
            summary.Row(name, Markup.Escape(runtime));
        }

        if (record.Verdict is { } verdict)
        {
            ResultsText.VerdictRows(summary, verdict);
        }

        foreach (var (name, value) in record.Manifest?.Entries() ?? [])
        {
            summary.Row(name, Markup.Escape(value));
        }

        foreach (var (name, value) in record.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            summary.Row($"--{name}", Markup.Escape(value));
        }

        console.Write(summary);
        var metrics = new Table().Border(TableBorder.Rounded).Title("[bold]Metrics[/]").AddColumn("Metric").AddColumn(new TableColumn("Value").RightAligned());
        foreach (var metric in record.Metrics)
        {
            metrics.AddRow(Markup.Escape(metric.Name), Markup.Escape(ResultsText.Value(metric.Value, metric.Unit)));
        }

        console.Write(metrics);
        if (record.Samples.Count > 0)
        {
            var samples = new Table().Border(TableBorder.Rounded).Title("[bold]Raw samples[/]");
            foreach (var column in new[] { "Series", "Unit", "Count", "Min", "p50", "p99", "Max" })
            {
                samples.AddColumn(new TableColumn(column) { Alignment = column is "Series" or "Unit" ? Justify.Left : Justify.Right });
            }

            foreach (var series in record.Samples.Where(s => s.Values.Count > 0))
            {
                var sorted = series.Values.Order().ToArray();
                samples.AddRow(Markup.Escape(series.Name), Markup.Escape(series.Unit), sorted.Length.ToString(CultureInfo.InvariantCulture), Output.Number(sorted[0]), Output.Number(LatencyStatistics.Percentile(sorted, 50)), Output.Number(LatencyStatistics.Percentile(sorted, 99)), Output.Number(sorted[^1]));
            }

            console.Write(samples);
        }

        if (record.Notes is { } notes)
        {
            Output.Notes(console, "Notes", notes.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        return 0;
    }
}

public sealed class ResultsExportCommand(IAnsiConsole console) : Command<ResultsExportCommand.Settings>
{
    public sealed class Settings : DatabaseSettings
    {
        [CommandOption("--csv")]
        [Description("One row per metric (the default).")]
        public bool Csv { get; init; }

        [CommandOption("--kind <KIND>")]
        [Description("Only one kind: roofline, onnx, llm, mix, validate, usecase.")]
        public string? Kind { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("Write to a file instead of the terminal.")]
        public string? OutputPath { get; init; }

        public override ValidationResult Validate() =>
            Csv && Json ? ValidationResult.Error("Choose one of --csv and --json.")
            : OutputFormat is not (OutputFormat.Csv or OutputFormat.Json or OutputFormat.Table) ? ValidationResult.Error($"results export writes csv (the default) or json; --format {Format} is not one of them.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var store = ResultsDatabase.OpenExisting(settings.Db);
        var results = store.List(ResultsText.ParseKind(settings.Kind), int.MaxValue).OrderBy(r => r.Id).ToArray();
        var text = settings.Json ? JsonText(results) : Csv(results);
        if (settings.OutputPath is { } path)
        {
            RefuseOverwritingTheDatabase(path, store.Path);

            AtomicFile.WriteAllText(path, text);

            console.MarkupLine($"Wrote {results.Length} results to [bold]{Markup.Escape(Path.GetFullPath(path))}[/].");
        }
        else
        {
            // To a terminal, without control characters stored names may carry (a file gets the records as they are).
            var writer = console.Profile.Out.Writer;
            writer.Write(settings.Json ? text : Core.TerminalText.Clean(text, keepLineBreaks: true));
            writer.Flush();
        }

        return 0;
    }

    private static void RefuseOverwritingTheDatabase(string output, string database)
    {
        var target = Path.GetFullPath(output);
        var db = Path.GetFullPath(database);
        if (new[] { db, db + "-wal", db + "-shm" }.Contains(target, StringComparer.Ordinal))
        {
            throw new InvalidInputException($"-o {output} is the results database itself; export to another file, e.g. -o results.csv.");
        }
    }

    private static string JsonText(IReadOnlyList<StoredMeasurement> results)
    {
        var console = new StringWriter();
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        Output.Json(ansi, results.Select(ResultsText.JsonOf));
        return console.ToString();
    }

    /// <summary>RFC 4180: comma-separated, CRLF-free (LF) rows, fields quoted when they hold a comma, quote or newline.</summary>
    internal static string Csv(IReadOnlyList<StoredMeasurement> results)
    {
        var text = new StringBuilder("id,started_at_utc,kind,model,model_sha256,machine,hostname,metric,value,unit,status,run_group\n");
        foreach (var (id, record) in results)
        {
            foreach (var metric in record.Metrics)
            {
                string[] fields =
                [
                    id.ToString(CultureInfo.InvariantCulture), record.StartedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture), record.Kind.ToString().ToLowerInvariant(),
                    record.ModelName ?? string.Empty, record.ModelSha256 ?? string.Empty, record.Platform.CpuModel, record.Platform.Hostname,
                    metric.Name, metric.Value.ToString("R", CultureInfo.InvariantCulture), metric.Unit,
                    ResultsText.StatusText(record.Status), record.RunGroup ?? string.Empty,
                ];
                text.AppendJoin(',', fields.Select(Quote)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
}

public sealed class ResultsCompareCommand(IAnsiConsole console) : Command<ResultsCompareCommand.Settings>
{
    public sealed class Settings : DatabaseSettings
    {
        [CommandArgument(0, "<A>")]
        [Description("The baseline result's id.")]
        public string A { get; init; } = string.Empty;

        [CommandArgument(1, "<B>")]
        [Description("The result compared with it.")]
        public string B { get; init; } = string.Empty;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var store = ResultsDatabase.OpenExisting(settings.Db);
        var storedA = ResultsText.Require(store, settings.A);
        var storedB = ResultsText.Require(store, settings.B);
        var (idA, a) = storedA;
        var (idB, b) = storedB;
        var metrics = a.Metrics.Select(m => m.Name).Union(b.Metrics.Select(m => m.Name)).Select(name =>
        {
            var ma = a.Metrics.FirstOrDefault(m => m.Name == name);
            var mb = b.Metrics.FirstOrDefault(m => m.Name == name);
            var ratio = ma is not null && mb is not null && ma.Unit == mb.Unit && ma.Value != 0 ? mb.Value / ma.Value : (double?)null;
            return (name, ma, mb, ratio);
        }).ToArray();
        var parameters = a.Parameters.Keys.Union(b.Parameters.Keys).Order(StringComparer.Ordinal)
            .Select(k => (k, va: a.Parameters.GetValueOrDefault(k), vb: b.Parameters.GetValueOrDefault(k)))
            .Where(p => p.va != p.vb).ToArray();
        var machine = MachineDifferences(a.Platform, b.Platform);
        var manifest = ManifestDifferences(storedA, storedB);
        var contended = new[] { (idA, a), (idB, b) }.Where(r => r.Item2.Verdict?.Contended == true).Select(r => $"result {r.Item1} was measured on a busy machine ({r.Item2.Verdict!.Contention})").ToArray();
        if (settings.Json)
        {
            Output.Json(console, new
            {
                a = idA,
                b = idB,
                metrics = metrics.Select(m => new { m.name, a = m.ma?.Value, b = m.mb?.Value, unit = m.ma?.Unit ?? m.mb?.Unit, ratioBToA = m.ratio }),
                parametersThatDiffer = parameters.ToDictionary(p => p.k, p => new { a = p.va, b = p.vb }),
                machineDifferences = machine,
                manifestDifferences = manifest,
                contended,
            });
            return 0;
        }

        foreach (var line in contended)
        {
            console.MarkupLine($"[yellow]Warning:[/] {Markup.Escape(line)}; its figures are lower than a quiet run's, so the difference may be the load, not the change.");
        }

        if (machine.Count > 0)
        {
            console.MarkupLine($"[yellow]Warning:[/] results {idA} and {idB} come from different machines or software; differences may not be the change you made.");
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Result {idA} → {idB}[/]");
        table.AddColumn("Metric").AddColumn(new TableColumn($"{idA}").RightAligned()).AddColumn(new TableColumn($"{idB}").RightAligned())
            .AddColumn(new TableColumn("B/A").RightAligned()).AddColumn(new TableColumn("Change").RightAligned());
        foreach (var (name, ma, mb, ratio) in metrics)
        {
            table.AddRow(
                Markup.Escape(name),
                Markup.Escape(ma is null ? "–" : ResultsText.Value(ma.Value, ma.Unit)),
                Markup.Escape(mb is null ? "–" : ResultsText.Value(mb.Value, mb.Unit)),
                ratio is { } r ? Output.Number(r) : "–",
                ratio is { } c ? $"{(c >= 1 ? "+" : string.Empty)}{Output.Number((c - 1) * 100, 2)} %" : "–");
        }

        console.Write(table);
        Output.Notes(console, "Parameters that differ", parameters.Select(p => $"{p.k}: {p.va ?? "(unset)"} → {p.vb ?? "(unset)"}"));
        Output.Notes(console, "Machine and software differences", machine);
        Output.Notes(console, "Manifest differences", manifest);
        return 0;
    }

    /// <summary>The wpt build and catalog, then each reproducibility-manifest field that differs.</summary>
    private static List<string> ManifestDifferences(StoredMeasurement a, StoredMeasurement b)
    {
        var differences = new List<string>();
        foreach (var (what, x, y) in new[] { ("wpt version", a.WptVersion, b.WptVersion), ("wpt commit", a.WptCommit, b.WptCommit), ("catalog SHA-256", a.CatalogSha256, b.CatalogSha256) })
        {
            if (x != y)
            {
                differences.Add($"{what}: {x ?? "not recorded"} → {y ?? "not recorded"}");
            }
        }

        differences.AddRange(RunManifest.Differences(a.Record.Manifest, b.Record.Manifest));
        return differences;
    }

    private static List<string> MachineDifferences(PlatformFingerprint a, PlatformFingerprint b)
    {
        var differences = new List<string>();
        void Check(string what, string x, string y)
        {
            if (x != y)
            {
                differences.Add($"{what}: {x} → {y}");
            }
        }

        Check("CPU", a.CpuModel, b.CpuModel);
        Check("architecture", a.Architecture, b.Architecture);
        Check("logical cores", a.LogicalCores.ToString(CultureInfo.InvariantCulture), b.LogicalCores.ToString(CultureInfo.InvariantCulture));
        Check("memory", Output.Bytes(a.MemoryBytes), Output.Bytes(b.MemoryBytes));
        Check("OS", a.OperatingSystem, b.OperatingSystem);
        Check("host name", a.Hostname, b.Hostname);
        foreach (var name in a.RuntimeVersions.Keys.Union(b.RuntimeVersions.Keys).Order(StringComparer.Ordinal))
        {
            Check(name, a.RuntimeVersions.GetValueOrDefault(name) ?? "(none)", b.RuntimeVersions.GetValueOrDefault(name) ?? "(none)");
        }

        return differences;
    }
}

public sealed class ResultsImportCommand(IAnsiConsole console) : Command<ResultsImportCommand.Settings>
{
    public sealed class Settings : DatabaseSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("A side file wpt wrote when the database could not take a result (RESULTS.db.unsaved-….json), or 'wpt results export --json' output.")]
        public string File { get; init; } = string.Empty;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var records = Read(settings.File);
        using var store = ResultsDatabase.Open(settings.Db);
        store.CheckWritable();
        var imported = new List<long>();
        var present = 0;
        foreach (var record in records)
        {
            if (store.Contains(record))
            {
                present++;
                continue;
            }

            imported.Add(store.Save(record));
        }

        // A run saved in parts takes the status its side file gives it, also for the parts that reached the database before it failed.
        foreach (var group in records.Where(r => r.RunGroup is not null).GroupBy(r => r.RunGroup!, StringComparer.Ordinal))
        {
            store.SetGroupStatus(group.Key, group.Last().Status);
        }

        if (settings.Json)
        {
            Output.Json(console, new { database = store.Path, imported, alreadyPresent = present });
            return 0;
        }

        console.MarkupLine(imported.Count == 0
            ? $"Nothing to import: all {present} result{(present == 1 ? " is" : "s are")} in {Markup.Escape(store.Path)} already."
            : $"Imported {imported.Count} result{(imported.Count == 1 ? string.Empty : "s")} ([bold]{string.Join(", ", imported)}[/]) into {Markup.Escape(store.Path)}{(present > 0 ? $"; {present} already there" : string.Empty)}. The file {Markup.Escape(settings.File)} may now be deleted.");
        return 0;
    }

    private sealed record Entry(long? Id, string? WptVersion, StoredRecord? Record);

    private sealed record StoredRecord(
        MeasurementKind? Kind,
        DateTimeOffset? StartedAt,
        double? DurationSeconds,
        PlatformFingerprint? Platform,
        string? ModelName,
        string? ModelSha256,
        Dictionary<string, string>? Parameters,
        List<Metric>? Metrics,
        List<SampleSeries>? Samples,
        string? Notes,
        RunStatus? Status,
        string? RunGroup,
        RunVerdict? Verdict = null,
        RunManifest? Manifest = null);

    private static List<MeasurementRecord> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidInputException($"{path}: no such file; give the side file named in the message wpt printed, or a file from 'wpt results export --json'.");
        }

        List<Entry?>? entries;
        try
        {
            // A side file is a list of records; 'export --json' puts the same list under 'items', after the exporting wpt.
            using var stream = File.OpenRead(path);
            var root = System.Text.Json.Nodes.JsonNode.Parse(stream);
            var list = root is System.Text.Json.Nodes.JsonObject { } document && document["items"] is System.Text.Json.Nodes.JsonArray items ? items : root as System.Text.Json.Nodes.JsonArray
                ?? throw new JsonException("it holds neither a list of records nor an export's 'items'");
            entries = list.Deserialize<List<Entry?>>(Output.JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"{path}: not a wpt results file ({ex.Message.TrimEnd('.')}); give a side file wpt wrote, or a file from 'wpt results export --json'.", ex);
        }

        var records = new List<MeasurementRecord>();
        foreach (var (entry, index) in (entries ?? []).Select((e, i) => (e, i + 1)))
        {
            var r = entry?.Record;
            if (r is not { Kind: { } kind, StartedAt: { } startedAt, DurationSeconds: { } seconds, Platform: { } platform, Metrics: { } metrics }
                || !double.IsFinite(seconds) || seconds < 0 || metrics.Any(m => m is null || m.Name is null || m.Unit is null))
            {
                throw new InvalidInputException($"{path}: record {index} lacks its kind, start time, duration, machine or metrics; the file is not one wpt wrote, or it was edited. Nothing was imported.");
            }

            records.Add(new MeasurementRecord(kind, startedAt, TimeSpan.FromSeconds(seconds), platform, r.ModelName, r.ModelSha256, r.Parameters ?? [], metrics, r.Samples ?? [], r.Notes)
            {
                Status = r.Status ?? RunStatus.Complete,
                RunGroup = r.RunGroup,
                Verdict = r.Verdict,
                Manifest = r.Manifest,
            });
        }

        return records;
    }
}
