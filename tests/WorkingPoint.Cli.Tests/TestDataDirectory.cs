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
        // Synthesized models land here (hundreds of MB a run); left behind, runs filled the disk.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveQuietly(Path);
    }

    private static void RemoveQuietly(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a native library at exit: the OS's temp cleaning takes it later.
        }
        catch (UnauthorizedAccessException)
        {
            // A read-only fixture a test made on purpose: likewise.
        }
    }
}
