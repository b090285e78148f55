using WorkingPoint.Catalog;
using WorkingPoint.Measurement.Results;
using WorkingPoint.Results.Sqlite;

namespace WorkingPoint.Cli;

/// <summary>Where results go: <c>--db PATH</c>, else <c>$WPT_RESULTS_DB</c>, else <c>results.db</c> in the data directory.</summary>
internal static class ResultsDatabase
{
    public const string PathVariable = "WPT_RESULTS_DB";

    public static string PathFor(string? option) => PathFor(option, Environment.GetEnvironmentVariable(PathVariable), () => DataDirectory.File("results.db"));

    /// <summary>The precedence alone, so tests check it without touching the process's environment.</summary>
    internal static string PathFor(string? option, string? environment, Func<string> dataDirectoryFile) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : !string.IsNullOrWhiteSpace(environment) ? environment
        : dataDirectoryFile();

    /// <summary>
    /// The store a command reads or saves to; dispose it when done. Measuring commands save with
    /// <c>ResultsText.Save(console, settings, record, quiet)</c>, which honours --no-save and prints the id.
    /// </summary>
    public static SqliteResultStore Open(string? option) => new(PathFor(option), WptBuild.Current);

    /// <summary>For commands that only read: a mistyped --db names the path instead of creating an empty database there.</summary>
    public static SqliteResultStore OpenExisting(string? option)
    {
        var path = PathFor(option);
        if (!Exists(path))
        {
            throw new ResultStoreException($"{path}: no results database there yet; measure something first (wpt measure roofline, wpt bench onnx, wpt validate), or pass --db PATH to an existing one.");
        }

        return new(path, WptBuild.Current);
    }

    /// <summary>A directory counts, so that opening it gives the store's own error rather than "nothing there".</summary>
    public static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);
}
