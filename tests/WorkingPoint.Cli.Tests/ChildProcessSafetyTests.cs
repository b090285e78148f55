using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Data.Sqlite;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Tests.Shared;
using WorkingPoint.Results;

namespace WorkingPoint.Cli.Tests;

/// <summary>
/// The built wpt run as a child process and stopped as a user or the system would stop it: kill -9 mid-run, Ctrl-C (SIGINT)
/// mid-measurement and mid-write. The waits below only guard against a hang; nothing asserts on how long anything took.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ChildProcessSafetyTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-child-").FullName;

    private string Db => Path.Combine(_directory, "results.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Every scenario, a few seconds each: long enough to be stopped after the first lands and before the last.</summary>
    private string[] AllScenarios() =>
        ["bench", "onnx", TestModels.OcrDirectionClassifier, "--input", "192x48", "--scenario", "all", "--duration", "4", "--min-queries", "3", "--warmup", "1", "--threads", "1", "--target-qps", "50", "--db", Db];

    [Fact]
    public void Kill_9_mid_run_leaves_the_database_intact_and_what_landed_marked_incomplete()
    {
        using var wpt = Start(AllScenarios());
        WaitUntil(() => SavedCount() >= 1, wpt);
        wpt.Kill();
        Assert.True(wpt.WaitForExit(HangGuard));

        Assert.Equal("ok", IntegrityCheck());
        using var store = new SqliteResultStore(Db);
        var records = store.List().Select(s => s.Record).ToArray();
        Assert.InRange(records.Length, 1, 3);
        Assert.All(records, r =>
        {
            Assert.Equal(RunStatus.Incomplete, r.Status);
            Assert.NotNull(r.RunGroup);
            Assert.NotEmpty(r.Metrics);
            Assert.NotEmpty(r.Samples.Single(s => s.Name == "latency").Values);
        });
        Assert.Single(records.Select(r => r.RunGroup).Distinct());
    }

    [Fact]
    public void Ctrl_c_mid_measurement_saves_the_finished_parts_as_interrupted_and_exits_130()
    {
        using var wpt = Start(AllScenarios());
        WaitUntil(() => SavedCount() >= 1, wpt);
        Signal(wpt, "INT");
        Assert.True(wpt.WaitForExit(HangGuard));

        var errors = wpt.Errors.ToString();
        var output = wpt.Output.ToString();
        Assert.True(wpt.ExitCode == 130, $"exit {wpt.ExitCode}: {errors}");
        Assert.Contains("wpt: interrupted", errors, StringComparison.Ordinal);
        Assert.Contains("Interrupted:", output, StringComparison.Ordinal);
        Assert.Equal("ok", IntegrityCheck());
        using var store = new SqliteResultStore(Db);
        var records = store.List().Select(s => s.Record).ToArray();

        // The finished scenarios, and the queries the stopped one completed (when it completed any): at most all four.
        Assert.InRange(records.Length, 1, 4);
        Assert.All(records, r => Assert.Equal(RunStatus.Interrupted, r.Status));
        Assert.All(records, r => Assert.NotEmpty(r.Samples.Single(s => s.Name == "latency").Values));
    }

    [Fact]
    public void Ctrl_c_while_a_model_is_being_written_leaves_no_partial_file()
    {
        var output = Path.Combine(_directory, "model.gguf");
        using var wpt = Start("models", "synth", "qwen2.5-0.5b", "--weights", "fp16", "-o", output);
        WaitUntil(() => Directory.GetFiles(_directory, ".model.gguf.*.partial").Any(f => new FileInfo(f).Length > 0), wpt);
        Signal(wpt, "INT");
        Assert.True(wpt.WaitForExit(HangGuard));

        Assert.NotEqual(0, wpt.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    /// <summary>The child with what it printed so far (read as it comes, so a full pipe never stalls it).</summary>
    private sealed class Child(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public System.Text.StringBuilder Output { get; } = new();

        public System.Text.StringBuilder Errors { get; } = new();

        public bool HasExited => Process.HasExited;

        public int ExitCode => Process.ExitCode;

        public int Id => Process.Id;

        public void Kill() => Process.Kill();

        /// <summary>Waits for the exit and for the last of its output.</summary>
        public bool WaitForExit(TimeSpan guard)
        {
            if (!Process.WaitForExit(guard))
            {
                return false;
            }

            Process.WaitForExit();
            return true;
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }

            Process.Dispose();
        }
    }

    private Child Start(params string[] args)
    {
        var wpt = Path.Combine(AppContext.BaseDirectory, "wpt.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(wpt);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["WPT_DATA_DIR"] = Path.Combine(_directory, "data");
        start.Environment.Remove("WPT_RESULTS_DB");
        var child = new Child(new Process { StartInfo = start });
        child.Process.OutputDataReceived += (_, e) =>
        {
            lock (child.Output)
            {
                child.Output.AppendLine(e.Data);
            }
        };
        child.Process.ErrorDataReceived += (_, e) =>
        {
            lock (child.Errors)
            {
                child.Errors.AppendLine(e.Data);
            }
        };
        child.Process.Start();
        child.Process.BeginOutputReadLine();
        child.Process.BeginErrorReadLine();
        return child;
    }

    private static void WaitUntil(Func<bool> condition, Child wpt)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(wpt.HasExited, $"wpt exited (code {(wpt.HasExited ? wpt.ExitCode : 0)}) before the point the test stops it at: {wpt.Errors}");
            Assert.True(clock.Elapsed < HangGuard, "wpt never reached the point the test stops it at.");
            Thread.Sleep(20);
        }
    }

    private static void Signal(Child process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
    }

    private long SavedCount()
    {
        if (!File.Exists(Db))
        {
            return 0;
        }

        try
        {
            using var connection = new SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM measurements;";
            return (long)count.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            // Not created or migrated yet.
            return 0;
        }
    }

    private string IntegrityCheck()
    {
        using var connection = new SqliteConnection($"Data Source={Db};Pooling=False");
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        return (string)check.ExecuteScalar()!;
    }
}
