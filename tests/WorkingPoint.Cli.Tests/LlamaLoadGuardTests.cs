using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Spectre.Console.Testing;
using WorkingPoint.Gguf;
using WorkingPoint.Measurement;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary>
/// GGUF files llama.cpp aborts on although WorkingPoint's validator accepts them: a user's file is trial-loaded in a child
/// process (wpt __probe-gguf) and refused with one line; and a damaged cached synthetic model never reaches llama.cpp. The
/// runs that could abort run the built wpt out of process, so a failure here fails the test instead of ending the test host.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed partial class LlamaLoadGuardTests : IDisposable
{
    private static readonly string[] ShortRun = ["--prompt", "8", "-n", "2", "-r", "1", "-t", "1"];

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-cli-guard-").FullName;

    private string Db => Path.Combine(_directory, "results.db");

    /// <summary>A data directory of this test's own: its verdicts and synthesized models start empty.</summary>
    private string DataDirectory => Path.Combine(_directory, "data");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_gguf_that_makes_llama_cpp_abort_is_refused_with_one_line_and_the_database_is_untouched()
    {
        var damaged = DuplicateTokenCopy("abort.gguf");
        Assert.Equal(0, Wpt.Run("models", "import", damaged).ExitCode); // the validator lets it through

        var good = RunBuiltWpt(["bench", "llm", TinyLlm.File(), .. ShortRun, "--db", Db]);
        Assert.True(good.ExitCode == 0, good.Errors);
        var databaseBefore = DatabaseFiles();

        var (code, _, errors) = RunBuiltWpt(["bench", "llm", damaged, .. ShortRun, "--db", Db]);

        Assert.Equal(2, code);
        Assert.Matches(AbortRefusal(damaged), errors);
        Assert.Single(errors.Trim().Split('\n'));
        Assert.Equal(databaseBefore, DatabaseFiles());
        Assert.Empty(Directory.GetFiles(_directory, "core*"));
        Assert.DoesNotContain(CrashReports(), report => report.Contains(damaged, StringComparison.Ordinal));
    }

    [Fact]
    public void The_abort_verdict_is_kept_so_the_file_is_refused_again_without_a_second_trial_load()
    {
        var damaged = UniqueCopy(DuplicateTokenCopy("abort-twice.gguf"));
        var probe = new CountingProbe();

        var first = RunWith(probe, ["bench", "llm", damaged, .. ShortRun, "--db", Db]);
        var second = RunWith(probe, ["bench", "llm", damaged, .. ShortRun, "--db", Db]);

        Assert.Equal(2, first.ExitCode);
        Assert.Matches(AbortRefusal(damaged), first.Errors);
        Assert.Equal(first, second);
        Assert.Equal(1, probe.Count);
        Assert.False(File.Exists(Db));
    }

    [Fact]
    public void A_good_file_passes_the_trial_load_once_and_then_runs_without_it()
    {
        var file = UniqueCopy(TinyLlm.Copy("good.gguf"));
        var probe = new CountingProbe();

        var first = RunWith(probe, ["bench", "llm", file, .. ShortRun, "--no-save"]);
        var second = RunWith(probe, ["bench", "llm", file, .. ShortRun, "--no-save"]);

        Assert.True(first.ExitCode == 0, first.Errors);
        Assert.True(second.ExitCode == 0, second.Errors);
        Assert.Contains("| pp8 ", second.Output, StringComparison.Ordinal);
        Assert.Equal(1, probe.Count);
        Assert.Single(Directory.GetFiles(GgufLoadGuard.VerdictDirectory, $"{ContentHash.Sha256(file)}-*"));
    }

    [Fact]
    public void A_catalog_model_is_not_trial_loaded_its_cached_file_is_checked_by_hash_instead()
    {
        var probe = new CountingProbe();
        var (code, _, _) = RunWith(probe, ["bench", "llm", "llama-2-70b", "--weights", "fp32", "--no-save"]);

        Assert.Equal(2, code); // refused for memory; what matters is that no trial load was started for a catalog id
        Assert.Equal(0, probe.Count);
    }

    [Fact]
    public void A_trial_load_that_takes_too_long_is_stopped_and_refused_without_keeping_a_verdict()
    {
        var file = UniqueCopy(TinyLlm.Copy("slow.gguf"));
        var probe = new FakeProbe(new GgufProbeOutcome(null, "llama_model_load: loading tensors"));
        var guard = new GgufLoadGuard(probe);

        var error = Assert.Throws<MeasurementException>(() => guard.RequireLoadable(file, CancellationToken.None));
        Assert.Throws<MeasurementException>(() => guard.RequireLoadable(file, CancellationToken.None));

        Assert.Contains("did not finish in 60 s and was stopped", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, probe.Count);
    }

    [Theory]
    [InlineData(137, "killed by signal 9, perhaps for lack of memory")]
    [InlineData(2, "llama.cpp cannot create a context of 16 tokens")]
    public void A_trial_load_that_failed_for_a_reason_other_than_the_file_is_reported_and_tried_again_next_time(int exitCode, string expected)
    {
        var file = UniqueCopy(TinyLlm.Copy("transient.gguf"));
        var probe = new FakeProbe(new GgufProbeOutcome(exitCode, "wpt: error: llama.cpp cannot create a context of 16 tokens (out of memory)."));
        var guard = new GgufLoadGuard(probe);

        var error = Assert.Throws<MeasurementException>(() => guard.RequireLoadable(file, CancellationToken.None));
        Assert.Throws<MeasurementException>(() => guard.RequireLoadable(file, CancellationToken.None));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, probe.Count);
    }

    [Fact]
    public void A_bug_in_the_child_is_a_bug_in_the_parent_not_a_verdict_on_the_file()
    {
        var file = UniqueCopy(TinyLlm.Copy("bug.gguf"));
        var probe = new FakeProbe(new GgufProbeOutcome(70, "wpt: internal error (a bug in wpt, not in your input): boom [NullReferenceException]"));
        var guard = new GgufLoadGuard(probe);

        var error = Assert.Throws<InvalidOperationException>(() => guard.RequireLoadable(file, CancellationToken.None));
        Assert.Throws<InvalidOperationException>(() => guard.RequireLoadable(file, CancellationToken.None));

        Assert.Contains("boom", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, probe.Count);
    }

    [Fact]
    public void A_file_the_validator_refuses_gets_the_validators_line_without_a_trial_load()
    {
        var path = TinyLlm.Copy("truncated-guard.gguf");
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var probe = new CountingProbe();
        var (code, _, errors) = RunWith(probe, ["bench", "llm", path, "--no-save"]);

        Assert.Equal(2, code);
        Assert.Contains("truncated", errors, StringComparison.Ordinal);
        Assert.Equal(0, probe.Count);
    }

    [NeedsProgramFact("bash")]
    public void The_child_process_probe_reports_an_abort_with_its_last_stderr_line()
    {
        var probe = new ChildProcessGgufProbe(new WptExecutable("bash", ["-c", "echo loading >&2; echo '/src/llama-vocab.cpp:1: GGML_ASSERT(x) failed' >&2; kill -ABRT $$", "probe"]));

        var outcome = probe.Probe(TinyLlm.File(), TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(128 + 6, outcome.ExitCode);
        Assert.Equal("/src/llama-vocab.cpp:1: GGML_ASSERT(x) failed", outcome.LastErrorLine);
    }

    [NeedsProgramFact("bash")]
    public void The_child_process_probe_kills_a_child_that_runs_past_its_time_limit()
    {
        var pidFile = Path.Combine(_directory, "child.pid");
        var probe = new ChildProcessGgufProbe(new WptExecutable("bash", ["-c", $"echo $$ > '{pidFile}'; exec sleep 600", "probe"]));

        var outcome = probe.Probe(TinyLlm.File(), TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.True(outcome.TimedOut);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}"), "the child still runs");
    }

    [Fact]
    public void The_probe_command_is_in_neither_help_nor_completions()
    {
        Assert.DoesNotContain(ProbeName, Wpt.Run("--help").Output, StringComparison.Ordinal);
        Assert.DoesNotContain(ProbeName, Wpt.Run("completion", "bash").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_time_limit_grows_with_the_file_so_a_large_model_on_a_slow_disk_is_not_refused_for_its_size()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), GgufLoadGuard.TimeLimitFor(0));
        Assert.Equal(TimeSpan.FromSeconds(160), GgufLoadGuard.TimeLimitFor(10_000_000_000));
    }

    /// <summary>
    /// The cached synthetic model is damaged between two runs the way a disk or a stray write would damage it: one byte, same
    /// size, in a token string, so that the validator still accepts it and llama.cpp would abort on it. The second run must
    /// notice (the hash sidecar), write the model again, and measure the good file: reusing the damaged one would end in exit 134.
    /// </summary>
    [Fact]
    public void A_damaged_cached_model_is_synthesized_again_and_never_handed_to_llama_cpp()
    {
        string[] bench = ["bench", "llm", "qwen2.5-0.5b", "--weights", "q4_0", .. ShortRun, "--json", "--no-save"];
        var first = RunBuiltWpt(bench);
        Assert.True(first.ExitCode == 0, first.Errors);
        var cached = Path.Combine(DataDirectory, "models", "qwen2.5-0.5b-q4_0-seed42.gguf");
        var written = ContentHash.Sha256(cached);
        Assert.Equal(written, ModelSha256(first.Output));

        var length = new FileInfo(cached).Length;
        DuplicateToken(cached);
        Assert.Equal(length, new FileInfo(cached).Length);
        Assert.NotEqual(written, ContentHash.Sha256(cached));
        Assert.Equal(0, Wpt.Run("models", "import", cached).ExitCode); // the header still reads as valid
        var asUsersFile = RunBuiltWpt(["bench", "llm", cached, .. ShortRun, "--no-save"]);
        Assert.Contains("(it aborted: ", asUsersFile.Errors, StringComparison.Ordinal); // and llama.cpp aborts on it

        var second = RunBuiltWpt(bench);

        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}: {second.Errors}");
        Assert.Equal(written, ModelSha256(second.Output));
        Assert.Equal(written, ContentHash.Sha256(cached));
        Assert.True(ContentHash.MatchesSidecar(cached));
    }

    private const string ProbeName = "__probe-gguf";

    private static string AbortRefusal(string path) =>
        $"^wpt: error: llama\\.cpp cannot load '{Regex.Escape(path)}' \\(it aborted: llama-vocab\\.cpp:\\d+: GGML_ASSERT\\(id_to_token\\.size\\(\\) == token_to_id\\.size\\(\\)\\) failed\\); the file is damaged or uses a feature this llama\\.cpp build lacks — re-export or re-download it\\n$";

    /// <summary>A tiny model with one byte of one token string changed ("&lt;0x0A&gt;" becomes a second "&lt;0x0B&gt;"): valid UTF-8, valid to the validator, a duplicate token to llama.cpp.</summary>
    private static string DuplicateTokenCopy(string name)
    {
        var path = TinyLlm.Copy(name);
        DuplicateToken(path);
        return path;
    }

    private static void DuplicateToken(string path)
    {
        var needle = Encoding.ASCII.GetBytes("<0x0A>");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var header = new byte[Math.Min(stream.Length, 16 << 20)];
        stream.ReadExactly(header);
        var at = header.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "no <0x0A> token in the file's header");
        stream.Position = at + 4;
        stream.WriteByte((byte)'B');
    }

    /// <summary>The file with its last weight changed to a value of its own, so its SHA-256 (and cached verdict) is its own.</summary>
    private static string UniqueCopy(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length - 4;
        stream.Write(BitConverter.GetBytes(1f + (Random.Shared.Next(1, 1 << 20) * 1e-7f)));
        return path;
    }

    private (int ExitCode, string Output, string Errors) RunBuiltWpt(string[] args) =>
        ProcessRunner.Run("dotnet", [ProcessRunner.WptDll, .. args], _directory, new Dictionary<string, string> { ["WPT_DATA_DIR"] = DataDirectory });

    /// <summary>wpt in-process with the trial load counted: the probe itself is the built wpt, as a child process.</summary>
    private static (int ExitCode, string Output, string Errors) RunWith(IGgufLoadProbe probe, string[] args)
    {
        var console = new TestConsole().Width(120);
        console.Profile.Capabilities.Ansi = false;
        var errors = new StringWriter();
        var code = WptApp.Run(args, console, errors, WorkingPoint.Catalog.Catalog.BuiltIn, probe);
        return (code, console.Output, errors.ToString());
    }

    private Dictionary<string, string> DatabaseFiles() =>
        Directory.GetFiles(_directory, "results.db*").ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(File.ReadAllBytes(f)));

    private static IEnumerable<string> CrashReports()
    {
        var directory = Path.Combine(Path.GetTempPath(), "wpt-crash");
        return Directory.Exists(directory) ? Directory.GetFiles(directory).Select(File.ReadAllText) : [];
    }

    private static string? ModelSha256(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("modelSha256").GetString();
    }

    private sealed class CountingProbe : IGgufLoadProbe
    {
        private readonly ChildProcessGgufProbe _probe = new(new WptExecutable("dotnet", [ProcessRunner.WptDll]));
        private int _count;

        public int Count => _count;

        public GgufProbeOutcome Probe(string path, TimeSpan timeLimit, CancellationToken cancellation)
        {
            Interlocked.Increment(ref _count);
            return _probe.Probe(path, timeLimit, cancellation);
        }
    }

    private sealed class FakeProbe(GgufProbeOutcome outcome) : IGgufLoadProbe
    {
        public int Count { get; private set; }

        public GgufProbeOutcome Probe(string path, TimeSpan timeLimit, CancellationToken cancellation)
        {
            Count++;
            return outcome;
        }
    }
}
