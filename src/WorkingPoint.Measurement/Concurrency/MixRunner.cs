using WorkingPoint.Core;
using System.Diagnostics;

namespace WorkingPoint.Measurement.Concurrency;

/// <summary>Frames issued at a fixed rate: when each started, how long it took, and how many finished after the next was due.</summary>
public sealed record PeriodicResult(double FramesPerSecondTarget, IReadOnlyList<double> StartSeconds, IReadOnlyList<double> LatencySeconds, int DeadlinesMissed, double DurationSeconds)
{
    public int Frames => LatencySeconds.Count;

    public double AchievedFramesPerSecond => DurationSeconds > 0 ? Frames / DurationSeconds : 0;

    public bool RateHeld => DeadlinesMissed == 0 && AchievedFramesPerSecond >= FramesPerSecondTarget * 0.98;
}

/// <summary>Units (tokens) produced back to back: how many, over how long.</summary>
public sealed record StreamResult(long Units, double DurationSeconds, IReadOnlyList<double> UnitSeconds)
{
    public double UnitsPerSecond => DurationSeconds > 0 ? Units / DurationSeconds : 0;
}

/// <summary>A periodic and a streaming workload measured alone and together on this machine.</summary>
public sealed record MixResult(PeriodicResult FramesAlone, StreamResult StreamAlone, PeriodicResult FramesTogether, StreamResult StreamTogether)
{
    public double StreamSlowdown => StreamAlone.UnitsPerSecond / Math.Max(StreamTogether.UnitsPerSecond, double.Epsilon);
}

/// <summary>
/// Runs a camera-like workload (one frame every 1/rate seconds; a late frame starts as soon as the previous one ends, so lateness
/// accumulates as on a real pipeline) and a generator that produces units back to back: each alone, then both at once on two
/// threads, each phase for the same duration after an untimed warm-up.
/// </summary>
public static class MixRunner
{
    public static MixResult Run(Action frame, double framesPerSecond, Action unit, TimeSpan duration, TimeSpan warmup, Action<string, double>? progress = null, CancellationToken cancellation = default)
    {
        if (framesPerSecond <= 0 || duration <= TimeSpan.Zero)
        {
            throw new InvalidInputException($"A mix needs a frame rate > 0 and a duration > 0 (got {framesPerSecond} FPS, {duration.TotalSeconds} s).");
        }

        WarmUp(frame, unit, warmup);
        progress?.Invoke("frames alone", 0);
        var framesAlone = Periodic(frame, framesPerSecond, duration, cancellation);
        progress?.Invoke("stream alone", 1 / 3.0);
        var streamAlone = Stream(unit, duration, cancellation);
        progress?.Invoke("both together", 2 / 3.0);
        PeriodicResult? framesTogether = null;
        Exception? failure = null;
        var frames = new Thread(() =>
        {
            try
            {
                framesTogether = Periodic(frame, framesPerSecond, duration, cancellation);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failure = ex;
            }
        }) { IsBackground = true, Name = "wpt mix frames" };
        frames.Start();
        var streamTogether = Stream(unit, duration, cancellation);
        frames.Join();
        if (failure is not null)
        {
            throw failure;
        }

        progress?.Invoke("done", 1);
        return new MixResult(framesAlone, streamAlone, framesTogether!, streamTogether);
    }

    private static void WarmUp(Action frame, Action unit, TimeSpan warmup)
    {
        var clock = Stopwatch.StartNew();
        do
        {
            frame();
            unit();
        }
        while (clock.Elapsed < warmup);
    }

    public static PeriodicResult Periodic(Action frame, double framesPerSecond, TimeSpan duration, CancellationToken cancellation)
    {
        var period = 1 / framesPerSecond;
        var starts = new List<double>();
        var latencies = new List<double>();
        var missed = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; ; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var due = i * period;
            if (due >= duration.TotalSeconds)
            {
                break;
            }

            var wait = due - clock.Elapsed.TotalSeconds;
            if (wait > 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds(wait));
            }

            var start = clock.Elapsed.TotalSeconds;
            frame();
            var end = clock.Elapsed.TotalSeconds;
            starts.Add(start);
            latencies.Add(end - start);
            if (end > due + period)
            {
                missed++;
            }
        }

        return new PeriodicResult(framesPerSecond, starts, latencies, missed, Math.Max(clock.Elapsed.TotalSeconds, duration.TotalSeconds));
    }

    public static StreamResult Stream(Action unit, TimeSpan duration, CancellationToken cancellation)
    {
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            cancellation.ThrowIfCancellationRequested();
            var start = clock.Elapsed.TotalSeconds;
            unit();
            times.Add(clock.Elapsed.TotalSeconds - start);
        }

        return new StreamResult(times.Count, clock.Elapsed.TotalSeconds, times);
    }
}
