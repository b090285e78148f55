using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using WorkingPoint.Cli.Commands;
using WorkingPoint.Core;
using WorkingPoint.Core.Files;
using WorkingPoint.Gguf;
using WorkingPoint.Measurement;
using WorkingPoint.Measurement.LlamaCpp;

namespace WorkingPoint.Cli;

/// <summary>How a trial load of a GGUF file in a child process ended.</summary>
/// <param name="ExitCode">The child's exit code; 128 + the signal's number when a signal ended it (on Unix); null when it was stopped for taking too long.</param>
/// <param name="LastErrorLine">The last non-empty line the child wrote to stderr (llama.cpp's assert message when it aborted), or empty.</param>
public sealed record GgufProbeOutcome(int? ExitCode, string LastErrorLine)
{
    public bool TimedOut => ExitCode is null;
}

/// <summary>Loads a GGUF file through llama.cpp somewhere an abort cannot take wpt down with it.</summary>
public interface IGgufLoadProbe
{
    GgufProbeOutcome Probe(string path, TimeSpan timeLimit, CancellationToken cancellation);
}

/// <summary>How to start this same wpt again: the program and the arguments before wpt's own (<c>dotnet wpt.dll</c>).</summary>
public sealed record WptExecutable(string Program, IReadOnlyList<string> LeadingArguments)
{
    /// <summary>
    /// The wpt apphost when this process is one (also the .NET tool's shim), else <c>dotnet</c> with the wpt.dll this code was
    /// loaded from (<c>dotnet wpt.dll</c>, and the test host, which runs wpt in-process with wpt.dll beside the tests).
    /// </summary>
    public static WptExecutable OfThisProcess()
    {
        var process = Environment.ProcessPath;
        if (process is not null && string.Equals(Path.GetFileNameWithoutExtension(process), "wpt", StringComparison.OrdinalIgnoreCase))
        {
            return new WptExecutable(process, []);
        }

        var assembly = typeof(WptExecutable).Assembly.Location;
        if (string.IsNullOrEmpty(assembly))
        {
            // A single-file build has no wpt.dll; its process is the wpt executable itself.
            return new WptExecutable(process ?? "wpt", []);
        }

        var dotnet = process is not null && string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase)
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return new WptExecutable(dotnet, [assembly]);
    }
}

/// <summary>Runs <c>wpt __probe-gguf FILE</c> as a child process, time-limited, and reports how it ended.</summary>
public sealed class ChildProcessGgufProbe(WptExecutable wpt) : IGgufLoadProbe
{
    private const int KeptErrorLines = 64;

    public ChildProcessGgufProbe()
        : this(WptExecutable.OfThisProcess())
    {
    }

    public GgufProbeOutcome Probe(string path, TimeSpan timeLimit, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(wpt.Program, [.. wpt.LeadingArguments, ProbeGgufCommand.Name, Path.GetFullPath(path)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // ggml prints its backtrace by attaching gdb when it can: seconds of noise after the one line that names the cause.
        start.Environment["GGML_NO_BACKTRACE"] = "1";
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        start.Environment["DOTNET_EnableCrashReport"] = "0";

        var errorLines = new Queue<string>();
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                lock (errorLines)
                {
                    errorLines.Enqueue(e.Data);
                    if (errorLines.Count > KeptErrorLines)
                    {
                        errorLines.Dequeue();
                    }
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new MeasurementException($"wpt cannot start itself ({wpt.Program}) to try loading '{path}' safely: {ex.Message}. Run wpt as installed (the wpt command or 'dotnet wpt.dll').");
        }

        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var exited = process.WaitForExitAsync(CancellationToken.None);
        bool finished;
        try
        {
            finished = exited.Wait(timeLimit, cancellation);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        if (!finished)
        {
            Kill(process);
            return new GgufProbeOutcome(null, LastLine());
        }

        process.WaitForExit(); // drains the redirected streams
        return new GgufProbeOutcome(process.ExitCode, LastLine());

        string LastLine()
        {
            lock (errorLines)
            {
                return errorLines.LastOrDefault() ?? string.Empty;
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }
    }
}

/// <summary>
/// llama.cpp aborts the whole process (GGML_ASSERT) on some files that <see cref="GgufValidator"/> cannot tell from good ones.
/// A user's GGUF file is therefore loaded once in a short-lived child process first (<c>wpt __probe-gguf</c>): if that child
/// aborts, the file is refused with one line before a results database is opened. The verdict is kept by the file's SHA-256 (and the
/// llama.cpp build), so each file is tried once. Files wpt synthesized itself are checked by their hash sidecar instead.
/// </summary>
public sealed partial class GgufLoadGuard(IGgufLoadProbe probe)
{
    public static readonly TimeSpan BaseTimeLimit = TimeSpan.FromSeconds(60);

    /// <summary>Reading the file for the trial decode is allowed this rate on top of the base limit: a large model on a slow disk is not refused for its size.</summary>
    public const double AllowedReadBytesPerSecond = 100e6;

    private const string Loadable = "ok";
    private const string AbortedPrefix = "aborted: ";

    public static string VerdictDirectory => Path.Combine(WorkingPoint.Catalog.DataDirectory.Path, "llama-load-checks");

    public static TimeSpan TimeLimitFor(long fileBytes) => BaseTimeLimit + TimeSpan.FromSeconds(fileBytes / AllowedReadBytesPerSecond);

    /// <summary>
    /// Throws a one-line <see cref="WorkingPointException"/> when llama.cpp cannot load <paramref name="model"/>; does nothing for
    /// a catalog id (or a path that does not exist: resolving the model reports that). The header is validated first, so the
    /// validator's precise message wins where it applies.
    /// </summary>
    public void RequireLoadable(string model, CancellationToken cancellation)
    {
        if (!File.Exists(model))
        {
            return;
        }

        _ = WorkingPoint.Catalog.GgufModels.Load(model);
        var verdictFile = Path.Combine(VerdictDirectory, $"{ContentHash.Sha256(model)}-llamasharp-{LlamaCppModel.RuntimeVersion}");
        var verdict = ReadVerdict(verdictFile) ?? Probe(model, verdictFile, cancellation);
        if (verdict.StartsWith(AbortedPrefix, StringComparison.Ordinal))
        {
            throw Refusal(model, verdict[AbortedPrefix.Length..]);
        }
    }

    private string Probe(string model, string verdictFile, CancellationToken cancellation)
    {
        var limit = TimeLimitFor(new FileInfo(model).Length);
        var outcome = probe.Probe(model, limit, cancellation);
        var line = CleanLine(outcome.LastErrorLine);
        switch (outcome.ExitCode)
        {
            case null:
                throw new MeasurementException($"llama.cpp cannot load '{TerminalText.Clean(model)}' (a trial load did not finish in {limit.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s and was stopped); the file is damaged or too large for this machine — re-export or re-download it, or try a smaller model");
            case 0:
                SaveVerdict(verdictFile, Loadable);
                return Loadable;
            case WptApp.ErrorExitCode when line.StartsWith("wpt: error: ", StringComparison.Ordinal):
                // The load failed the ordinary way (no memory for the context, an unsupported architecture): the child's own
                // message says it; not kept, as it may depend on this moment's free memory.
                throw new MeasurementException(line["wpt: error: ".Length..]);
            case WptApp.BugExitCode:
                // The child hit a bug of wpt's own (its crash report says where): a bug here too, never blamed on the file.
                throw new InvalidOperationException($"The trial load of '{TerminalText.Clean(model)}' in a child process failed: {line}");
            case 128 + 9 or 128 + 2 or 128 + 15:
                // Killed from outside (the OOM killer, Ctrl-C, a shutdown): nothing learned about the file.
                throw new MeasurementException($"llama.cpp cannot load '{TerminalText.Clean(model)}' (the trial load was killed by signal {outcome.ExitCode - 128}, perhaps for lack of memory); free some memory or try a smaller model");
            default:
                var reason = line.Length > 0 ? line : $"exit code {outcome.ExitCode}";
                SaveVerdict(verdictFile, AbortedPrefix + reason);
                return AbortedPrefix + reason;
        }
    }

    private static MeasurementException Refusal(string model, string reason) =>
        new($"llama.cpp cannot load '{TerminalText.Clean(model)}' (it aborted: {reason}); the file is damaged or uses a feature this llama.cpp build lacks — re-export or re-download it");

    /// <summary>One line, no control characters, and a source path shortened to its file name (llama-vocab.cpp:2460: GGML_ASSERT(…) failed).</summary>
    private static string CleanLine(string line) => SourcePath().Replace(TerminalText.Clean(line).Trim(), string.Empty);

    private static string? ReadVerdict(string verdictFile)
    {
        try
        {
            return File.Exists(verdictFile) && new FileInfo(verdictFile).Length < 4096 && File.ReadAllText(verdictFile).Trim() is { Length: > 0 } text
                && (text == Loadable || text.StartsWith(AbortedPrefix, StringComparison.Ordinal))
                ? text
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void SaveVerdict(string verdictFile, string verdict)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(verdictFile)!);
            AtomicFile.WriteAllText(verdictFile, verdict + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a cache: the next run tries the file again.
        }
    }

    [GeneratedRegex(@"^\S*[/\\](?=[^/\\\s]+:\d+:)")]
    private static partial Regex SourcePath();
}
