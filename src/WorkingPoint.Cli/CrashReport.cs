using System.Globalization;

namespace WorkingPoint.Cli;

/// <summary>The full trace of an internal error, written to a file so that the terminal gets one line and a bug report gets everything.</summary>
internal static class CrashReport
{
    /// <summary>Writes the report and returns the sentence that tells the user where it is (or why it could not be written).</summary>
    public static string Write(Exception exception, IReadOnlyList<string> args)
    {
        try
        {
            var directory = Path.Combine(Path.GetTempPath(), "wpt-crash");
            Directory.CreateDirectory(directory);
            var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var path = Path.Combine(directory, $"crash-{stamp}-{Environment.ProcessId}.txt");
            var (version, commit) = WorkingPoint.Core.Versioning.WptProvenance.VersionOf(typeof(CrashReport).Assembly);
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(file))
            {
                writer.WriteLine($"wpt {version} (commit {commit})");
                writer.WriteLine($"command: wpt {string.Join(' ', args)}");
                writer.WriteLine($"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
                writer.WriteLine();
                writer.WriteLine(exception.ToString());
            }

            return $"the full trace is in {path}; please report it with the command that caused it";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"the trace could not be written ({ex.Message}); please report the command that caused it";
        }
    }
}
