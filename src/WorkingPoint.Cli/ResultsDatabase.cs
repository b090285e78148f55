using System.Reflection;
using WorkingPoint.Catalog;
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
    public static SqliteResultStore Open(string? option) => new(PathFor(option), WptVersion);

    public static string WptVersion { get; } =
        typeof(ResultsDatabase).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
