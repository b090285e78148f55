using System.Runtime.InteropServices;
using WorkingPoint.Core.Files;

namespace WorkingPoint.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM. While a measuring command runs, the first signal cancels the command's token: it stops at its
/// next check, saves what it measured as an interrupted record and exits 130. Otherwise (and on a second signal) unfinished
/// output files are removed and the process ends as the signal would end it. Either way, any file being written stops at its
/// next write and its temporary file is removed, so no half-written file is left behind.
/// </summary>
internal static class Interrupts
{
    /// <summary>The exit code of a run stopped by a signal, as shells report SIGINT (128 + 2).</summary>
    public const int ExitCode = 130;

    private static readonly CancellationTokenSource Source = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _measuring;
    private static int _signals;

    /// <summary>Installs the handlers; called once, by the real process only (tests run commands in-process with their own tokens).</summary>
    public static CancellationToken Install()
    {
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle));
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
        return Source.Token;
    }

    /// <summary>A measuring command has begun: from now on the first signal stops it cooperatively so it can save.</summary>
    public static void MeasurementStarts() => Interlocked.Exchange(ref _measuring, 1);

    private static void Handle(PosixSignalContext context)
    {
        AtomicFile.InterruptWrites();
        if (Volatile.Read(ref _measuring) == 1 && Interlocked.Increment(ref _signals) == 1)
        {
            context.Cancel = true;
            Source.Cancel();
            return;
        }

        // Not cancellable, or asked twice: leave no partial file, then let the signal end the process.
        AtomicFile.RemoveUnfinished();
    }
}
