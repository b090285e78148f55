using System.Globalization;
using WorkingPoint.Core;

namespace WorkingPoint.Evaluation;

/// <summary>
/// Numbers, byte counts and output paths as every front end words them in messages, so an error raised in the library reads the
/// same whether the CLI, a server or an agent shows it.
/// </summary>
public static class Formatting
{
    /// <summary>A number to <paramref name="significant"/> significant digits (at most 6 decimals), with thousands separators; "–" when not finite.</summary>
    public static string Number(double value, int significant = 3) => WorkingPoint.Core.Units.NumberText.Significant(value, significant);

    /// <summary>Bytes in decimal units (B, kB, MB, GB).</summary>
    public static string Bytes(double bytes) =>
        bytes >= 1e9 ? $"{Number(bytes / 1e9)} GB" : bytes >= 1e6 ? $"{Number(bytes / 1e6)} MB" : bytes >= 1e3 ? $"{Number(bytes / 1e3)} kB" : $"{Number(bytes)} B";

    /// <summary>The existing directory an output file (-o) goes into; refused up front, before any work, when it does not exist.</summary>
    public static string ExistingDirectoryOf(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        return Directory.Exists(directory)
            ? directory
            : throw new InvalidInputException($"-o {path}: the directory {directory} does not exist. Create it, or write elsewhere.");
    }
}

/// <summary>
/// How a front end shows a long step (a progress bar, a log line, nothing): it runs <paramref name="work"/>, handing it a sink for the
/// fraction done (0 to 1), or null when progress is not shown.
/// </summary>
public delegate void ShowProgress(string description, Action<IProgress<double>?> work);
