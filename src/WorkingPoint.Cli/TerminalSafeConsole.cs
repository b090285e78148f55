using Spectre.Console;
using Spectre.Console.Rendering;
using WorkingPoint.Core;

namespace WorkingPoint.Cli;

/// <summary>
/// The console every command writes to, with the text of everything it renders passed through <see cref="TerminalText.Clean"/>:
/// names from files (ONNX, GGUF, YAML, stored results) reach the terminal without the escape sequences or bidi overrides they
/// may carry, whichever command prints them. Spectre's own styling is applied afterwards, and its cursor control segments
/// (progress bars) pass untouched.
/// </summary>
internal sealed class TerminalSafeConsole(IAnsiConsole inner) : IAnsiConsole
{
    public Profile Profile => inner.Profile;

    public IAnsiConsoleCursor Cursor => inner.Cursor;

    public IAnsiConsoleInput Input => inner.Input;

    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    public RenderPipeline Pipeline => inner.Pipeline;

    public static IAnsiConsole Wrap(IAnsiConsole console) => console as TerminalSafeConsole ?? new TerminalSafeConsole(console);

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable) => inner.Write(new Cleaned(renderable));

    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    private sealed class Cleaned(IRenderable renderable) : IRenderable
    {
        public Spectre.Console.Rendering.Measurement Measure(RenderOptions options, int maxWidth) => renderable.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
            renderable.Render(options, maxWidth).Select(segment =>
                segment.IsControlCode || segment.IsLineBreak || TerminalText.Clean(segment.Text, keepLineBreaks: true) is var clean && ReferenceEquals(clean, segment.Text)
                    ? segment
                    : new Segment(clean, segment.Style, segment.Link));
    }
}
