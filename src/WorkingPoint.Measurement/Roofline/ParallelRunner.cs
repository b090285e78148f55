using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace WorkingPoint.Measurement.Roofline;

/// <summary>
/// Runs the same work on every logical CPU at once: one thread per CPU, pinned where Linux allows, released together by a barrier
/// and timed as the longest of the threads' own run times. The threads time themselves: the coordinating thread has no CPU of its
/// own while they run, so its clock would start late; and a thread woken a few microseconds after the others should not add
/// that delay to the work (repetitions are milliseconds long, so the runs still overlap almost entirely).
/// </summary>
internal sealed class ParallelRunner : IDisposable
{
    private readonly Thread[] _threads;
    private readonly Barrier _start;
    private readonly Barrier _done;
    private Action<int>? _work;
    private volatile bool _stopping;
    private Exception? _failure;
    private readonly long[] _starts;
    private readonly long[] _ends;

    public ParallelRunner(int threads, Action<int>? setUp = null)
    {
        Threads = threads;
        _starts = new long[threads];
        _ends = new long[threads];
        _start = new Barrier(threads + 1);
        _done = new Barrier(threads + 1);
        _threads = Enumerable.Range(0, threads).Select(index => new Thread(() => Loop(index, setUp)) { IsBackground = true, Name = $"wpt-roofline-{index}" }).ToArray();
        foreach (var thread in _threads)
        {
            thread.Start();
        }

        // The set-up (allocation, first touch) happens on each thread before the first timed run.
        _start.SignalAndWait();
        _done.SignalAndWait();
        Rethrow();
    }

    public int Threads { get; }

    /// <summary>Runs <paramref name="work"/>(thread index) on every thread; returns the longest thread's run time.</summary>
    public TimeSpan Run(Action<int> work)
    {
        _work = work;
        _start.SignalAndWait();
        _done.SignalAndWait();
        _work = null;
        Rethrow();
        return TimeSpan.FromTicks(Enumerable.Range(0, Threads).Max(t => Stopwatch.GetElapsedTime(_starts[t], _ends[t]).Ticks));
    }

    public void Dispose()
    {
        _stopping = true;
        _start.SignalAndWait();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _start.Dispose();
        _done.Dispose();
    }

    private void Loop(int index, Action<int>? setUp)
    {
        PinToCpu(index);
        _start.SignalAndWait();
        Guard(() => setUp?.Invoke(index));
        _done.SignalAndWait();
        while (true)
        {
            _start.SignalAndWait();
            if (_stopping)
            {
                return;
            }

            _starts[index] = Stopwatch.GetTimestamp();
            Guard(() => _work?.Invoke(index));
            _ends[index] = Stopwatch.GetTimestamp();
            _done.SignalAndWait();
        }
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref _failure, ex, null);
        }
    }

    private void Rethrow()
    {
        if (_failure is WorkingPoint.Core.WorkingPointException userFixable)
        {
            // A refusal the user can act on (memory too short) keeps its own message and type.
            ExceptionDispatchInfo.Throw(userFixable);
        }

        if (_failure is { } failure)
        {
            throw new InvalidOperationException($"A measurement thread failed: {failure.Message}", failure);
        }
    }

    /// <summary>Best effort: keeps each thread on its own CPU so caches are not shared by accident; silently skipped where not possible.</summary>
    private static void PinToCpu(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu >= 1024)
        {
            return;
        }

        try
        {
            var mask = new ulong[16];
            mask[cpu / 64] = 1UL << (cpu % 64);
            _ = SchedSetAffinity(0, (nuint)(mask.Length * sizeof(ulong)), mask);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc/musl: run unpinned.
        }
    }

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nuint size, ulong[] mask);
}
