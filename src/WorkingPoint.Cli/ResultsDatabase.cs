using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Spectre.Console;
using WorkingPoint.Catalog;
using WorkingPoint.Cli.Commands;
using WorkingPoint.Core.Files;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Results;

namespace WorkingPoint.Cli;

/// <summary>Where results go: <c>--db PATH</c>, else <c>$WPT_RESULTS_DB</c>, else <c>results.db</c> in the data directory.</summary>
internal static class ResultsDatabase
{
    public const string PathVariable = "WPT_RESULTS_DB";

    /// <summary>Tests shorten the lock wait for their own calls only (it flows with the test's execution context, not the process).</summary>
    internal static readonly AsyncLocal<TimeSpan?> LockWaitOverride = new();

    public static string PathFor(string? option) => PathFor(option, Environment.GetEnvironmentVariable(PathVariable), () => DataDirectory.File("results.db"));

    /// <summary>The precedence alone, so tests check it without touching the process's environment.</summary>
    internal static string PathFor(string? option, string? environment, Func<string> dataDirectoryFile) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : !string.IsNullOrWhiteSpace(environment) ? environment
        : dataDirectoryFile();

    /// <summary>
    /// The store a command reads or saves to; dispose it when done. Measuring commands use <see cref="ResultSaver.Open"/>
    /// instead, before they measure, so a database that cannot take the result is refused before any time is spent.
    /// </summary>
    public static SqliteResultStore Open(string? option) => new(PathFor(option), WptBuild.Current, LockWaitOverride.Value);

    /// <summary>For commands that only read: a mistyped --db names the path instead of creating an empty database there.</summary>
    public static SqliteResultStore OpenExisting(string? option)
    {
        var path = PathFor(option);
        if (!Exists(path))
        {
            throw new ResultStoreException($"{path}: no results database there yet; measure something first (wpt measure roofline, wpt bench onnx, wpt validate), or pass --db PATH to an existing one.");
        }

        return new(path, WptBuild.Current, LockWaitOverride.Value);
    }

    /// <summary>A directory counts, so that opening it gives the store's own error rather than "nothing there".</summary>
    public static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);
}

/// <summary>Test hook: called when a measuring command starts measuring, so a test proves a refused database stopped it before.</summary>
internal static class MeasurementHooks
{
    internal static readonly AsyncLocal<Action?> Starting = new();

    public static void Start() => Starting.Value?.Invoke();
}

/// <summary>
/// How a measuring command saves, opened before it measures: the database is checked (schema, writability, lock) first, so a
/// database that cannot take the result is refused before any time is spent. Each record is saved in one transaction with its
/// status; a run saved in parts shares a run group, its parts incomplete until the last lands. When the database still refuses
/// a save (a lock held past the bounded wait, a full disk), the record goes to a JSON side file next to the database, which
/// <c>wpt results import</c> reads: a finished measurement is never lost.
/// </summary>
internal sealed class ResultSaver : IDisposable
{
    private readonly IAnsiConsole _console;
    private readonly bool _quiet;
    private readonly SqliteResultStore? _store;
    private readonly List<long> _savedIds = [];
    private readonly List<MeasurementRecord> _unsaved = [];
    private readonly List<MeasurementRecord> _parts = [];
    private readonly List<string> _messages = [];
    private ResultStoreException? _failure;
    private string? _sideFile;
    private string? _group;

    private ResultSaver(IAnsiConsole console, bool quiet, SqliteResultStore? store)
    {
        _console = console;
        _quiet = quiet;
        _store = store;
    }

    /// <summary>Checks the database (unless --no-save) and marks the command as one that stops cleanly on Ctrl-C.</summary>
    public static ResultSaver Open(IAnsiConsole console, MeasureSettings settings, bool quiet)
    {
        Interrupts.MeasurementStarts();
        if (settings.NoSave)
        {
            return new ResultSaver(console, quiet, null);
        }

        var store = ResultsDatabase.Open(settings.Db);
        try
        {
            store.CheckWritable();
        }
        catch
        {
            store.Dispose();
            throw;
        }

        return new ResultSaver(console, quiet, store);
    }

    /// <summary>Ids saved so far (tests, messages).</summary>
    public IReadOnlyList<long> SavedIds => _savedIds;

    /// <summary>A whole run, in one transaction, with <paramref name="status"/>.</summary>
    public void Save(MeasurementRecord record, RunStatus status = RunStatus.Complete)
    {
        var id = Store(record with { Status = status });
        if (id is { } saved && !_quiet)
        {
            _messages.Add($"Saved as result [bold]{saved}[/]{(status == RunStatus.Complete ? string.Empty : $" ({Markup.Escape(SqliteStatus(status))})")} in {Markup.Escape(_store!.Path)} (wpt results show {saved}).");
        }
    }

    /// <summary>One part of a run saved in parts: saved at once, marked incomplete, so a kill leaves it marked as such.</summary>
    public void SavePart(MeasurementRecord record)
    {
        _group ??= $"{DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}"[..32];
        var part = record with { Status = RunStatus.Incomplete, RunGroup = _group };
        _parts.Add(part);
        Store(part);
    }

    /// <summary>Marks every part of the run complete (its last part landed) or interrupted, in one transaction, and says where they are.</summary>
    public void FinishParts(RunStatus status)
    {
        if (_group is null || _store is null)
        {
            return;
        }

        if (_failure is null)
        {
            try
            {
                _store.SetGroupStatus(_group, status);
            }
            catch (ResultStoreException ex)
            {
                // The parts are saved, marked incomplete; the side file holds the run's final status for 'wpt results import'.
                _failure = ex;
            }
        }

        if (_failure is not null)
        {
            // Every part with the run's final status: import skips the parts already in the database and sets the group's status.
            _unsaved.Clear();
            _unsaved.AddRange(_parts.Select(p => p with { Status = status }));
            WriteSideFile();
        }

        if (!_quiet && _savedIds.Count > 0)
        {
            var ids = string.Join(", ", _savedIds);
            _messages.Add($"Saved as result{(_savedIds.Count > 1 ? "s" : string.Empty)} [bold]{ids}[/]{(status == RunStatus.Complete ? string.Empty : $" ({Markup.Escape(SqliteStatus(status))})")} in {Markup.Escape(_store.Path)} (wpt results show {_savedIds[0]}).");
        }
    }

    /// <summary>Called when the command stops on Ctrl-C: says what was kept, so the user knows whether to measure again.</summary>
    public void ReportInterrupted(string whatWasKept)
    {
        if (_store is null)
        {
            return;
        }

        PrintMessages();
        _console.MarkupLine(_savedIds.Count > 0 || _unsaved.Count > 0
            ? $"[yellow]Interrupted:[/] {Markup.Escape(whatWasKept)} kept, marked interrupted."
            : "[yellow]Interrupted:[/] nothing was measured to completion, so nothing was saved.");
    }

    /// <summary>Ends the command with one clear error when a record could not go into the database: where it is, and how to import it.</summary>
    public void ThrowIfUnsaved()
    {
        PrintMessages();
        if (_failure is not { } failure || _sideFile is null)
        {
            return;
        }

        throw new ResultStoreException($"{failure.Message.TrimEnd('.')}. The measurement is kept in {_sideFile}; import it with: wpt results import {_sideFile} --db {_store!.Path}", failure);
    }

    /// <summary>Where the results went is said last, after the command's own output, or when the command ends early.</summary>
    public void Dispose()
    {
        PrintMessages();
        _store?.Dispose();
    }

    private void PrintMessages()
    {
        foreach (var message in _messages)
        {
            _console.MarkupLine(message);
        }

        _messages.Clear();
    }

    private static string SqliteStatus(RunStatus status) => status.ToString().ToLowerInvariant();

    private long? Store(MeasurementRecord record)
    {
        if (_store is null)
        {
            return null;
        }

        if (_failure is null)
        {
            try
            {
                var id = _store.Save(record);
                _savedIds.Add(id);
                return id;
            }
            catch (ResultStoreException ex)
            {
                _failure = ex;
            }
        }

        _unsaved.Add(record);
        WriteSideFile();
        return null;
    }

    /// <summary>
    /// The unsaved records as <c>wpt results export --json</c> writes them, next to the database (else in the working
    /// directory, else the temporary directory), rewritten whole each time so it always holds every unsaved record.
    /// </summary>
    private void WriteSideFile()
    {
        var text = JsonSerializer.Serialize(_unsaved.Select(r => ResultsText.JsonOf(null, WptBuild.Current.Version, WptBuild.Current.Commit, WptBuild.Current.CatalogSha256, r)), Output.JsonOptions) + "\n";
        if (_sideFile is not null)
        {
            AtomicFile.WriteAllText(_sideFile, text);
            return;
        }

        var name = $"{Path.GetFileName(_store!.Path)}.unsaved-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Environment.ProcessId}.json";
        var candidates = new[] { Path.GetDirectoryName(Path.GetFullPath(_store.Path))!, Directory.GetCurrentDirectory(), Path.GetTempPath() };
        var reasons = new List<string>();
        foreach (var directory in candidates)
        {
            var path = Path.Combine(directory, name);
            try
            {
                AtomicFile.WriteAllText(path, text);
                _sideFile = path;
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Core.WorkingPointException)
            {
                reasons.Add($"{path}: {ex.Message.TrimEnd('.')}");
            }
        }

        // Nowhere to keep it: the record goes to the error stream as JSON, the last place it can still be copied from.
        Console.Error.WriteLine(text);
        throw new ResultStoreException($"{_failure?.Message.TrimEnd('.')}; the measurement could not be kept in a side file either ({string.Join("; ", reasons)}); its JSON is printed above, save it and import it with: wpt results import FILE.json");
    }
}
