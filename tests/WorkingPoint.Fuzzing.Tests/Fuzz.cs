using System.Globalization;
using WorkingPoint.Core;

namespace WorkingPoint.Fuzzing.Tests;

/// <summary>
/// Runs generated hostile inputs: each case must end in a <see cref="WorkingPointException"/> (a handled, one-line error) or a
/// valid result, within <see cref="CaseTimeout"/>. A case still running then is a hang and fails; any other exception is a bug.
/// The seed and the number of random cases are fixed for CI; <c>WPT_FUZZ_CASES</c> and <c>WPT_FUZZ_SEED</c> run longer or other
/// campaigns (docs/limits.md).
/// </summary>
internal static class Fuzz
{
    /// <summary>Past this a case counts as a hang (not a speed assert: a handled case takes milliseconds).</summary>
    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Random (byte-flip) cases per format: 300 in CI, or WPT_FUZZ_CASES.</summary>
    public static int RandomCases { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("WPT_FUZZ_CASES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 300;

    public static int Seed { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("WPT_FUZZ_SEED"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) ? s : 20261201;

    /// <summary>
    /// Runs every case on one worker thread, watched from this one: a case still running after <see cref="CaseTimeout"/> is a hang
    /// and fails the test (the worker is abandoned). Fails with the first few cases that crashed, each named to reproduce it.
    /// </summary>
    public static void All(IEnumerable<(string Name, Action Run)> cases)
    {
        var failures = new List<string>();
        var count = 0;
        string? current = null;
        var started = 0L;
        var worker = new Thread(() =>
        {
            foreach (var (name, run) in cases)
            {
                Volatile.Write(ref current, name);
                Interlocked.Exchange(ref started, Environment.TickCount64);
                var failure = Outcome(run);
                Interlocked.Exchange(ref started, 0);
                lock (failures)
                {
                    count++;
                    if (failure is not null)
                    {
                        failures.Add($"{name}: {failure}");
                    }

                    if (failures.Count >= 10)
                    {
                        return;
                    }
                }
            }
        }) { IsBackground = true, Name = "fuzz cases" };
        worker.Start();
        while (!worker.Join(TimeSpan.FromMilliseconds(100)))
        {
            var since = Interlocked.Read(ref started);
            if (since != 0 && Environment.TickCount64 - since > CaseTimeout.TotalMilliseconds)
            {
                Assert.Fail($"{Volatile.Read(ref current)}: still running after {CaseTimeout.TotalSeconds:0} s (a hang; seed {Seed})");
            }
        }

        lock (failures)
        {
            Assert.True(count > 0, "no cases were generated");
            Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed (seed {Seed}):\n" + string.Join("\n", failures));
        }
    }

    /// <summary>Null when the case ended well (a valid result, or a handled one-line error); else what went wrong.</summary>
    private static string? Outcome(Action run)
    {
        try
        {
            run();
            return null;
        }
        catch (WorkingPointException handled)
        {
            return handled.Message.Contains('\n', StringComparison.Ordinal) || handled.Message.Length == 0
                ? $"handled, but the message is not one line: {handled.Message}"
                : null;
        }
#pragma warning disable CA1031 // Any other exception is the finding this suite reports.
        catch (Exception error)
#pragma warning restore CA1031
        {
            return $"{error.GetType().Name}: {error.Message.Split('\n')[0]}";
        }
    }

    /// <summary>
    /// The random generator's seed for one campaign: the run's seed mixed with the salt by a fixed function, so a failure seen in
    /// CI reproduces here (string.GetHashCode and HashCode are randomised per process).
    /// </summary>
    private static int StableSeed(string salt)
    {
        var hash = unchecked((uint)Seed * 16777619u);
        foreach (var c in salt)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return unchecked((int)hash);
    }

    /// <summary>Copies of <paramref name="bytes"/> with 1 to 4 bytes replaced at random positions in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Flips(byte[] bytes, int from, int to, string salt)
    {
        var random = new Random(StableSeed(salt));
        for (var i = 0; i < RandomCases; i++)
        {
            var copy = (byte[])bytes.Clone();
            var flips = random.Next(1, 5);
            var what = new List<string>();
            for (var k = 0; k < flips; k++)
            {
                var at = random.Next(from, to);
                var value = (byte)random.Next(256);
                what.Add($"{at}={value}");
                copy[at] = value;
            }

            yield return ($"flip #{i} [{string.Join(",", what)}]", copy);
        }
    }
}
