using System.Runtime.CompilerServices;

namespace WorkingPoint.Cli.Tests;

/// <summary>
/// Every test in this assembly sees an empty data directory of its own, never the developer's (~/.local/share/workingpoint):
/// no measured 'host', no results database. Set once before any test runs, so no test races another over the variable.
/// </summary>
internal static class TestDataDirectory
{
    public static string Path { get; } = Directory.CreateTempSubdirectory("wpt-cli-tests-").FullName;

    [ModuleInitializer]
    internal static void Isolate()
    {
        Environment.SetEnvironmentVariable("WPT_DATA_DIR", Path);
        Environment.SetEnvironmentVariable("WPT_RESULTS_DB", null);
    }
}
