using System.Diagnostics;
using WorkingPoint.Core;
using WorkingPoint.Measurement.Scenarios;

namespace WorkingPoint.Measurement.UseCases;

/// <summary>The time a use-case run is paced by: a stopwatch on a real run, a virtual clock in tests (so schedules are exact).</summary>
public interface IBenchClock
{
    /// <summary>Seconds since the run started.</summary>
    double NowSeconds { get; }

    /// <summary>Returns at <paramref name="seconds"/> (at once when that time has passed).</summary>
    void WaitUntil(double seconds, CancellationToken cancellation);
}

/// <summary>Wall-clock time from a stopwatch started when the run starts.</summary>
public sealed class StopwatchBenchClock : IBenchClock
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public double NowSeconds => _clock.Elapsed.TotalSeconds;

    /// <summary>The last stretch before a due time that is spun rather than slept (see <see cref="WaitUntil"/>).</summary>
    public const double SpinSeconds = 1e-3;

    public void WaitUntil(double seconds, CancellationToken cancellation)
    {
        // A wait handle rather than Thread.Sleep, so Ctrl-C ends a long idle phase at once; it waits whole milliseconds and is
        // asked again until only the last stretch (1-2 ms) is left. That stretch is spun: a sleeping thread wakes up to a millisecond late
        // and on a core that went idle (on a VM a halted vCPU), which made paced frames start 0.6 ms late and run 3-5 % slower than
        // the same frames back to back (the harness overhead check measured it). A spin never returns early.
        for (var wait = seconds - NowSeconds; wait >= SpinSeconds + 1e-3 && !cancellation.IsCancellationRequested; wait = seconds - NowSeconds)
        {
            cancellation.WaitHandle.WaitOne((int)Math.Min(int.MaxValue, Math.Floor((wait - SpinSeconds) * 1000)));
        }

        var spinner = default(SpinWait);
        while (NowSeconds < seconds && !cancellation.IsCancellationRequested)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}

/// <summary>One frame of a camera-paced workload: when it is due, which input size it comes at, and whether it opens an active phase.</summary>
public sealed record FrameArrival(double DueSeconds, int SizeIndex, bool WakesUp);

/// <summary>What one request took: prefill (to the first token) and decode of <paramref name="GeneratedTokens"/> tokens.</summary>
public sealed record RequestTiming(double PrefillSeconds, double DecodeSeconds, int GeneratedTokens);

/// <summary>A camera-paced workload to run: its frames and the deadline of each, and what running one frame at a size index does.</summary>
public sealed record FrameWorkloadPlan(string Id, IReadOnlyList<FrameArrival> Arrivals, double DeadlineSeconds, Action<int> RunFrame);

/// <summary>A request-driven workload to run: its arrival times and what serving one request does.</summary>
public sealed record RequestWorkloadPlan(string Id, IReadOnlyList<double> ArrivalSeconds, Func<RequestTiming> Serve);

/// <summary>
/// The arrival schedules of a use case, exact for a given seed: frames every 1/fps inside active phases of a duty cycle, sizes
/// drawn from the input-size distribution; requests as a Poisson process.
/// </summary>
public static class ArrivalSchedule
{
    /// <summary>
    /// Frames at <paramref name="framesPerSecond"/> during the active part (<paramref name="duty"/>) of every
    /// <paramref name="cycleSeconds"/> cycle, none while idle; each frame's size index drawn from <paramref name="sizeShares"/>
    /// with <paramref name="seed"/>. The first frame of each active phase after an idle one is marked as a wake-up.
    /// </summary>
    public static IReadOnlyList<FrameArrival> Frames(double framesPerSecond, double duty, IReadOnlyList<double> sizeShares, double durationSeconds, double cycleSeconds, int seed)
    {
        if (framesPerSecond <= 0 || duty is <= 0 or > 1 || durationSeconds <= 0 || cycleSeconds <= 0 || sizeShares.Count == 0 || sizeShares.Any(s => s < 0) || sizeShares.Sum() <= 0)
        {
            throw new InvalidInputException($"A frame schedule needs fps > 0, 0 < duty ≤ 1, a duration and cycle > 0 and input shares ≥ 0 that sum above 0 (got {framesPerSecond} FPS, duty {duty}, {durationSeconds} s).");
        }

        var random = new Random(seed);
        var total = sizeShares.Sum();
        var period = 1 / framesPerSecond;
        var active = duty >= 1 ? double.PositiveInfinity : cycleSeconds * duty;
        var frames = new List<FrameArrival>();
        for (var cycleStart = 0.0; cycleStart < durationSeconds; cycleStart += duty >= 1 ? double.PositiveInfinity : cycleSeconds)
        {
            var end = Math.Min(durationSeconds, cycleStart + active);
            for (var i = 0; ; i++)
            {
                var due = cycleStart + i * period;
                if (due >= end)
                {
                    break;
                }

                frames.Add(new FrameArrival(due, Draw(random, sizeShares, total), i == 0 && cycleStart > 0));
            }
        }

        return frames;
    }

    /// <summary>Arrival times of a Poisson process at <paramref name="perSecond"/> over <paramref name="durationSeconds"/>: exponential gaps from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<double> Poisson(double perSecond, double durationSeconds, int seed)
    {
        if (perSecond <= 0 || durationSeconds <= 0)
        {
            throw new InvalidInputException($"A Poisson schedule needs a rate > 0 and a duration > 0 (got {perSecond}/s over {durationSeconds} s).");
        }

        var random = new Random(seed);
        var arrivals = new List<double>();
        for (var t = -Math.Log(1 - random.NextDouble()) / perSecond; t < durationSeconds; t += -Math.Log(1 - random.NextDouble()) / perSecond)
        {
            arrivals.Add(t);
        }

        return arrivals;
    }

    private static int Draw(Random random, IReadOnlyList<double> shares, double total)
    {
        var x = random.NextDouble() * total;
        for (var i = 0; i < shares.Count; i++)
        {
            x -= shares[i];
            if (x < 0)
            {
                return i;
            }
        }

        return shares.Count - 1;
    }
}

/// <summary>
/// A camera-paced workload as run: the frames that started (when, how long, at which size), the frames that finished after their
/// deadline (misses) and those that could not start because the previous one was still running when they were due (drops).
/// </summary>
public sealed record FrameWorkloadResult(string Id, int FramesDue, IReadOnlyList<double> StartSeconds, IReadOnlyList<double> LatencySeconds, IReadOnlyList<int> SizeIndices, int Misses, int Drops, IReadOnlyList<double> WakeUpLatencySeconds)
{
    public int FramesRun => LatencySeconds.Count;

    /// <summary>Frames completed per second of the run (idle phases included, so it compares with fps × duty).</summary>
    public double AchievedFramesPerSecond(double runSeconds) => runSeconds > 0 ? FramesRun / runSeconds : 0;

    public LatencyStatistics? Latency => LatencySeconds.Count > 0 ? LatencyStatistics.Of(LatencySeconds) : null;
}

/// <summary>A request-driven workload as run: each served request's arrival, time to first token (queueing included), decode rate and end.</summary>
public sealed record RequestWorkloadResult(string Id, IReadOnlyList<double> ArrivalSeconds, IReadOnlyList<double> TimeToFirstTokenSeconds, IReadOnlyList<double> DecodeTokensPerSecond, int Unserved, IReadOnlyList<double> CompletedSeconds)
{
    public int Served => TimeToFirstTokenSeconds.Count;

    public double AchievedRequestsPerSecond(double runSeconds) => runSeconds > 0 ? Served / runSeconds : 0;

    public LatencyStatistics? TimeToFirstToken => Served > 0 ? LatencyStatistics.Of(TimeToFirstTokenSeconds) : null;

    /// <summary>The mean of the requests' decode rates; null when none was served.</summary>
    public double? MeanDecodeTokensPerSecond => Served > 0 ? DecodeTokensPerSecond.Average() : null;
}

/// <summary>Every workload of a use case as run together; <see cref="Interrupted"/> when it was stopped before the end (what finished is kept).</summary>
public sealed record UseCaseBenchResult(IReadOnlyList<FrameWorkloadResult> Frames, IReadOnlyList<RequestWorkloadResult> Requests, double DurationSeconds, bool Interrupted);

/// <summary>
/// Runs a use case's workloads at once, each on its own thread at its own arrivals: frames are paced by the camera and dropped when
/// the previous one still runs; requests queue and are served in order. Stopping (the token) ends every workload after its
/// current unit and returns what finished.
/// </summary>
public static class UseCaseBench
{
    public static UseCaseBenchResult Run(IReadOnlyList<FrameWorkloadPlan> frames, IReadOnlyList<RequestWorkloadPlan> requests, double durationSeconds, IBenchClock clock, Action<double>? progress = null, CancellationToken cancellation = default)
    {
        if (durationSeconds <= 0)
        {
            throw new InvalidInputException($"A use-case run needs a duration > 0 (got {durationSeconds} s).");
        }

        var frameResults = new FrameWorkloadResult[frames.Count];
        var requestResults = new RequestWorkloadResult[requests.Count];
        var failures = new List<Exception>();
        var threads = new List<Thread>();
        void Start(string name, Action work) => threads.Add(new Thread(() =>
        {
            try
            {
                work();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                lock (failures)
                {
                    failures.Add(ex);
                }
            }
        }) { IsBackground = true, Name = name });

        for (var i = 0; i < frames.Count; i++)
        {
            var index = i;
            Start($"wpt usecase {frames[i].Id}", () => frameResults[index] = RunFrames(frames[index], clock, cancellation));
        }

        for (var i = 0; i < requests.Count; i++)
        {
            var index = i;
            Start($"wpt usecase {requests[i].Id}", () => requestResults[index] = RunRequests(requests[index], durationSeconds, clock, cancellation));
        }

        threads.ForEach(t => t.Start());
        while (threads.Any(t => t.IsAlive))
        {
            progress?.Invoke(Math.Min(1, clock.NowSeconds / durationSeconds));
            threads.First(t => t.IsAlive).Join(TimeSpan.FromMilliseconds(200));
        }

        if (failures.Count > 0)
        {
            throw failures[0];
        }

        progress?.Invoke(1);
        var stopped = cancellation.IsCancellationRequested;
        return new UseCaseBenchResult(frameResults, requestResults, stopped ? Math.Min(durationSeconds, clock.NowSeconds) : durationSeconds, stopped);
    }

    /// <summary>
    /// Frames in order: a frame due while the previous one still runs is dropped (a camera overwrites its buffer); one that starts
    /// finishes after its due time plus the deadline is a miss.
    /// </summary>
    public static FrameWorkloadResult RunFrames(FrameWorkloadPlan plan, IBenchClock clock, CancellationToken cancellation = default)
    {
        var starts = new List<double>();
        var latencies = new List<double>();
        var sizes = new List<int>();
        var wakeUps = new List<double>();
        int misses = 0, drops = 0, due = 0;
        var busyUntil = double.NegativeInfinity;
        foreach (var arrival in plan.Arrivals)
        {
            if (cancellation.IsCancellationRequested)
            {
                break;
            }

            due++;
            if (arrival.DueSeconds < busyUntil)
            {
                drops++;
                continue;
            }

            clock.WaitUntil(arrival.DueSeconds, cancellation);
            if (cancellation.IsCancellationRequested)
            {
                due--;
                break;
            }

            var start = clock.NowSeconds;
            plan.RunFrame(arrival.SizeIndex);
            var end = clock.NowSeconds;
            busyUntil = end;
            starts.Add(start);
            latencies.Add(end - start);
            sizes.Add(arrival.SizeIndex);
            if (arrival.WakesUp)
            {
                wakeUps.Add(end - start);
            }

            if (end > arrival.DueSeconds + plan.DeadlineSeconds)
            {
                misses++;
            }
        }

        return new FrameWorkloadResult(plan.Id, due, starts, latencies, sizes, misses, drops, wakeUps);
    }

    /// <summary>
    /// Requests in arrival order, one at a time: a request that arrives while another is served waits (its time to first token
    /// counts the wait); requests still waiting when the run ends are counted as unserved.
    /// </summary>
    public static RequestWorkloadResult RunRequests(RequestWorkloadPlan plan, double durationSeconds, IBenchClock clock, CancellationToken cancellation = default)
    {
        var arrivals = new List<double>();
        var ttft = new List<double>();
        var rates = new List<double>();
        var completed = new List<double>();
        var unserved = 0;
        foreach (var arrival in plan.ArrivalSeconds)
        {
            if (cancellation.IsCancellationRequested || clock.NowSeconds >= durationSeconds)
            {
                unserved++;
                continue;
            }

            clock.WaitUntil(arrival, cancellation);
            if (cancellation.IsCancellationRequested)
            {
                unserved++;
                continue;
            }

            var start = clock.NowSeconds;
            var timing = plan.Serve();
            arrivals.Add(arrival);
            ttft.Add(start - arrival + timing.PrefillSeconds);
            rates.Add(timing.DecodeSeconds > 0 ? timing.GeneratedTokens / timing.DecodeSeconds : 0);
            completed.Add(clock.NowSeconds);
        }

        return new RequestWorkloadResult(plan.Id, arrivals, ttft, rates, unserved, completed);
    }
}
