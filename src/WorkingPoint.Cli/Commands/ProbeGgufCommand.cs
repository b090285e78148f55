using System.ComponentModel;
using System.Runtime.InteropServices;
using Spectre.Console.Cli;
using WorkingPoint.Measurement.LlamaCpp;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// <c>wpt __probe-gguf FILE</c> (hidden, internal): loads the file through llama.cpp as bench llm does, with a tiny context, and
/// decodes one token; exits 0 when that works. Run by <see cref="GgufLoadGuard"/> as a child process, so that a llama.cpp abort
/// ends this process, not the user's command.
/// </summary>
public sealed class ProbeGgufCommand : Command<ProbeGgufCommand.Settings>
{
    public const string Name = "__probe-gguf";

    /// <summary>Enough for one decoded token and llama.cpp's smallest context.</summary>
    private const int ContextTokens = 16;

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("A .gguf file.")]
        public string File { get; init; } = string.Empty;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        NoCoreDump();
        using var model = LlamaCppModel.Load(settings.File, ContextTokens, new LlamaCppOptions(BatchSize: ContextTokens, MicroBatchSize: ContextTokens));
        model.Prefill(1);
        return 0;
    }

    /// <summary>An abort here is expected and reported by the parent: it leaves no core file behind.</summary>
    private static void NoCoreDump()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        try
        {
            var none = new ResourceLimit();
            _ = SetResourceLimit(CoreFileSize, ref none);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc/musl/libSystem: the system's own core setting applies.
        }
    }

    private const int CoreFileSize = 4; // RLIMIT_CORE on Linux and macOS

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetResourceLimit(int resource, ref ResourceLimit limit);
}
