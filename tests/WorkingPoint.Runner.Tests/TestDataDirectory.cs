using System.Runtime.CompilerServices;

namespace WorkingPoint.Runner.Tests;

/// <summary>
/// Every test here sees an empty data directory of its own, never the developer's: no measured 'host', and the networks the
/// catalog exports land in a temporary folder. Set once before any test runs.
/// </summary>
internal static class TestDataDirectory
{
    public static string Path { get; } = Directory.CreateTempSubdirectory("wpt-runner-tests-").FullName;

    [ModuleInitializer]
    internal static void Isolate() => Environment.SetEnvironmentVariable("WPT_DATA_DIR", Path);
}
