using System.Diagnostics;
using System.Globalization;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement;

/// <summary>
/// One reading of the CPU counters: the machine's totals from /proc/stat (all CPUs, in clock ticks) and this process's own CPU time
/// from /proc/self/stat (utime + stime, all threads, in the same ticks), so the time other processes used is total busy − ours.
/// </summary>
/// <param name="BusyTicks">user + nice + system + irq + softirq over all CPUs (guest time is inside user).</param>
/// <param name="IdleTicks">idle + iowait over all CPUs.</param>
/// <param name="StealTicks">Time a hypervisor ran other guests while this VM's CPUs wanted to run.</param>
/// <param name="OwnTicks">This process's user + system time.</param>
public readonly record struct CpuCounters(long BusyTicks, long IdleTicks, long StealTicks, long OwnTicks)
{
    public long TotalTicks => BusyTicks + IdleTicks + StealTicks;

    /// <summary>Parses the aggregate "cpu" line of /proc/stat and field 14–15 (utime, stime) of /proc/[pid]/stat; null when either is not in that form.</summary>
    public static CpuCounters? Parse(string procStat, string procSelfStat)
    {
        ArgumentNullException.ThrowIfNull(procStat);
        ArgumentNullException.ThrowIfNull(procSelfStat);
        var line = procStat.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToArray();
        if (f.Length < 7 || f.Take(7).Any(v => v < 0))
        {
            return null;
        }

        // user nice system idle iowait irq softirq [steal guest guest_nice]; guest is already counted in user.
        var steal = f.Length > 7 && f[7] >= 0 ? f[7] : 0;

        // The command name (field 2) is in parentheses and may hold spaces or ')': fields are counted from the last ')'.
        var close = procSelfStat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var rest = procSelfStat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // rest[0] is field 3 (state), so utime (field 14) is rest[11] and stime (field 15) rest[12].
        if (rest.Length < 13
            || !long.TryParse(rest[11], NumberStyles.None, CultureInfo.InvariantCulture, out var utime)
            || !long.TryParse(rest[12], NumberStyles.None, CultureInfo.InvariantCulture, out var stime))
        {
            return null;
        }

        return new CpuCounters(f[0] + f[1] + f[2] + f[5] + f[6], f[3] + f[4], steal, utime + stime);
    }

    /// <summary>This machine's counters now; null where /proc is not there (not Linux) or not readable.</summary>
    public static CpuCounters? ReadNow()
    {
        try
        {
            return File.Exists("/proc/stat") && File.Exists("/proc/self/stat") ? Parse(File.ReadAllText("/proc/stat"), File.ReadAllText("/proc/self/stat")) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>The load between two <see cref="CpuCounters"/> readings, as a <see cref="CpuContention"/> figure.</summary>
public static class CpuContentionReading
{
    extension(CpuContention)
    {
        /// <summary>The load between two readings, on a machine of <paramref name="logicalCores"/> CPUs; null when no time passed.</summary>
        public static (double OtherCores, double StealPercent, double OwnCores)? Between(CpuCounters first, CpuCounters second, int logicalCores)
        {
            var total = second.TotalTicks - first.TotalTicks;
            if (total <= 0 || logicalCores < 1)
            {
                return null;
            }

            // Ticks per CPU over the interval: the whole interval's length in ticks, without needing USER_HZ.
            var perCore = (double)total / logicalCores;
            var busy = second.BusyTicks - first.BusyTicks;
            var own = second.OwnTicks - first.OwnTicks;
            return (Math.Max(0, busy - own) / perCore, 100.0 * (second.StealTicks - first.StealTicks) / total, Math.Max(0, own) / perCore);
        }
    }
}

/// <summary>
/// Samples the CPU counters before and through a run on a background thread, so a busy machine is seen even when the run's own
/// readings hide it: a short look before the run (nothing of ours running), then readings every interval until <see cref="Stop"/>.
/// </summary>
public sealed class ContentionSampler : IDisposable
{
    private readonly CpuCounters? _before;
    private readonly CpuCounters? _start;
    private readonly double? _otherBefore;
    private readonly int _cores;
    private readonly Thread? _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly List<(double Seconds, double OtherCores)> _readings = [];
    private readonly Stopwatch _clock = new();
    private bool _disposed;

    /// <param name="lookBefore">How long to watch the idle machine before the run starts (0 skips it).</param>
    /// <param name="interval">How often the counters are read during the run.</param>
    public ContentionSampler(TimeSpan lookBefore, TimeSpan interval)
    {
        _cores = Environment.ProcessorCount;
        _before = CpuCounters.ReadNow();
        if (_before is null)
        {
            return;
        }

        if (lookBefore > TimeSpan.Zero)
        {
            Thread.Sleep(lookBefore);
        }

        _start = CpuCounters.ReadNow();
        _otherBefore = lookBefore > TimeSpan.Zero && _start is { } s ? CpuContention.Between(_before.Value, s, _cores)?.OtherCores : null;
        _clock.Start();
        _thread = new Thread(() =>
        {
            var last = _start;
            while (!_stop.Wait(interval))
            {
                var now = CpuCounters.ReadNow();
                if (last is { } l && now is { } n && CpuContention.Between(l, n, _cores) is { } load)
                {
                    lock (_readings)
                    {
                        _readings.Add((_clock.Elapsed.TotalSeconds, load.OtherCores));
                    }
                }

                last = now;
            }
        })
        { IsBackground = true, Name = "wpt-contention", Priority = ThreadPriority.BelowNormal };
        _thread.Start();
    }

    /// <summary>Whether this machine's counters can be read at all (Linux /proc).</summary>
    public bool Measurable => _start is not null;

    /// <summary>Other processes' CPU in cores, per interval of the run, for the record's samples.</summary>
    public IReadOnlyList<(double Seconds, double OtherCores)> Readings
    {
        get
        {
            lock (_readings)
            {
                return _readings.ToArray();
            }
        }
    }

    /// <summary>Ends sampling; the contention over the whole run, or null where it is not measurable.</summary>
    public CpuContention? Stop()
    {
        _stop.Set();
        _thread?.Join();
        if (_start is not { } start || CpuCounters.ReadNow() is not { } end || CpuContention.Between(start, end, _cores) is not { } load)
        {
            return null;
        }

        return new CpuContention(_otherBefore, load.OtherCores, load.StealPercent, load.OwnCores);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Set();
        _thread?.Join();
        _stop.Dispose();
    }
}
