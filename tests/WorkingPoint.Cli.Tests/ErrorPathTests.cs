using Spectre.Console;
using Spectre.Console.Rendering;
using Spectre.Console.Testing;

namespace WorkingPoint.Cli.Tests;

/// <summary>A user's mistake and a bug in wpt are told apart: exit 2 with the fix, or exit 70 with the trace in a file.</summary>
public sealed class ErrorPathTests
{
    [Fact]
    public void A_user_error_is_one_line_with_exit_code_2_and_no_trace()
    {
        var (code, _, errors) = Wpt.Run("predict", "--platform", "hailo-8", "--model", "yolov8s", "--weights", "q3_x");

        Assert.Equal(WptApp.ErrorExitCode, code);
        Assert.StartsWith("wpt: error: ", errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bug_is_one_line_that_says_so_with_exit_code_70_and_the_trace_in_a_file()
    {
        using var console = new BrokenConsole();
        var errors = new StringWriter();

        var code = WptApp.Run(["platforms"], console, errors);

        var line = errors.ToString().TrimEnd();
        Assert.Equal(WptApp.BugExitCode, code);
        Assert.Single(line.Split('\n'));
        Assert.Contains("internal error (a bug in wpt, not in your input)", line, StringComparison.Ordinal);
        Assert.Contains("[InvalidOperationException]", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
        var path = line[(line.IndexOf("the full trace is in ", StringComparison.Ordinal) + "the full trace is in ".Length)..line.IndexOf("; please report", StringComparison.Ordinal)];
        try
        {
            var report = File.ReadAllText(path);
            Assert.Contains("command: wpt platforms", report, StringComparison.Ordinal);
            Assert.Contains("The test console broke", report, StringComparison.Ordinal);
            Assert.Contains("   at ", report, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A console whose every write fails, standing in for any defect that is not the user's input.</summary>
    private sealed class BrokenConsole : IAnsiConsole, IDisposable
    {
        private readonly TestConsole _inner = new();

        public Profile Profile => _inner.Profile;

        public IAnsiConsoleCursor Cursor => _inner.Cursor;

        public IAnsiConsoleInput Input => _inner.Input;

        public IExclusivityMode ExclusivityMode => _inner.ExclusivityMode;

        public RenderPipeline Pipeline => _inner.Pipeline;

        public void Clear(bool home) => _inner.Clear(home);

        public void Dispose() => _inner.Dispose();

        public void Write(IRenderable renderable) => throw new InvalidOperationException("The test console broke.");

        public void WriteAnsi(Action<AnsiWriter> action) => throw new InvalidOperationException("The test console broke.");
    }
}
