using System.Reflection;
using WorkingPoint.Catalog;
using WorkingPoint.Results.Sqlite;

namespace WorkingPoint.Cli;

/// <summary>Where results go: <c>--db PATH</c>, else <c>$WPT_RESULTS_DB</c>, else <c>results.db</c> in the data directory.</summary>
internal static class ResultsDatabase
{
    public const string PathVariable = "WPT_RESULTS_DB";

    public static string PathFor(string? option) =>
        !string.IsNullOrWhiteSpace(option) ? option
        : Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : DataDirectory.File("results.db");

    public static SqliteResultStore Open(string? option) => new(PathFor(option), WptVersion);

    public static string WptVersion { get; } =
        typeof(ResultsDatabase).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
}
