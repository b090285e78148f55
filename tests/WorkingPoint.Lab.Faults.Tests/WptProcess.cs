using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// The built wpt CLI run as a child process, as an operator starts it: <c>dotnet wpt.dll …</c> from this test project's output (it
/// references the CLI project, as WorkingPoint.Cli.Tests' child-process tests do), with a data directory of the test's own. Its stdout
/// and stderr are kept line by line to wait on; <see cref="KillAsync"/> sends SIGKILL (<see cref="Process.Kill()"/>), as a crash, the
/// OOM killer or a pulled plug would end it: no shutdown code of wpt's runs.
/// </summary>
internal sealed class WptProcess : IAsyncDisposable
{
    /// <summary>What a process killed by SIGKILL exits with as .NET reports it (128 + signal 9).</summary>
    public const int KilledExitCode = 137;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _command;

    private WptProcess(Process process, string command)
    {
        _process = process;
        _command = command;
    }

    /// <summary>Every line it wrote so far, stdout and stderr interleaved as they came.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>wpt ARGS</c> with WPT_DATA_DIR set to <paramref name="dataDirectory"/>; none of the lab's variables is inherited except those in <paramref name="environment"/>.</summary>
    public static WptProcess Start(string dataDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wpt.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var inherited in new[] { "WPT_LAB_DATABASE", "WPT_SERVER", "WPT_TOKEN", "WPT_RESULTS_DB" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["WPT_DATA_DIR"] = dataDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var wpt = new WptProcess(new Process { StartInfo = start }, "wpt " + string.Join(' ', args));
        wpt._process.OutputDataReceived += (_, e) => wpt.Keep(e.Data);
        wpt._process.ErrorDataReceived += (_, e) => wpt.Keep(e.Data);
        wpt._process.Start();
        wpt._process.BeginOutputReadLine();
        wpt._process.BeginErrorReadLine();
        return wpt;
    }

    /// <summary>The first line <paramref name="pattern"/> matches, once written; fails naming <paramref name="what"/> if wpt exits first or the hang guard passes.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, string what)
    {
        Match? found = null;
        await HangGuard.UntilAsync(() =>
        {
            var exited = _process.HasExited;
            if (exited)
            {
                _process.WaitForExit(); // the output read to its end
            }

            found = _lines.Select(line => pattern.Match(line)).FirstOrDefault(match => match.Success);
            if (found is null && exited)
            {
                Assert.Fail($"{_command} exited ({_process.ExitCode}) before {what}; its output:\n{Output}");
            }

            return found is not null;
        }, what);
        return found!;
    }

    /// <summary>Waits for it to exit by itself and returns its exit code; fails naming <paramref name="what"/> (and showing its output) if it hangs.</summary>
    public async Task<int> ExitCodeAsync(string what)
    {
        await HangGuard.Within(_process.WaitForExitAsync(), what, () => $"{_command}; its output so far:\n{Output}");
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, then waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await HangGuard.Within(_process.WaitForExitAsync(), $"{_command} dying of SIGKILL");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
