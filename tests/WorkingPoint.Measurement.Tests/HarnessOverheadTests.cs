using WorkingPoint.Core;
using WorkingPoint.Measurement.UseCases;

namespace WorkingPoint.Measurement.Tests;

/// <summary>The harness overhead check's bookkeeping: what runs, in which order, how many times; no timing is asserted.</summary>
public sealed class HarnessOverheadTests
{
    [Fact]
    public void Every_round_runs_the_same_sizes_through_the_harness_back_to_back_and_paced_bare_and_keeps_each_frames_time()
    {
        var calls = new List<int>();
        var result = HarnessOverhead.Measure("detector", size => calls.Add(size), [0, 1, 1], rounds: 4, framesPerRound: 6);

        Assert.Equal(("detector", 4), (result.Id, result.Rounds));
        Assert.Equal(24, result.BareSeconds.Count);
        Assert.Equal(24, result.PacedBareSeconds.Count);
        // Each round's first frame always starts (nothing runs before it); later ones may be dropped if the machine stalls the harness.
        Assert.InRange(result.HarnessSeconds.Count, 4, 24);
        // A probe of 5 frames, then each round's 6 frames all three ways; every size sequence is the same cycle.
        Assert.Equal(5 + (24 * 3) - CountDrops(result), calls.Count);
        Assert.Equal([0, 1, 1, 0, 1], calls.Take(5));
        Assert.All(result.StartLatenessSeconds, l => Assert.True(l >= 0));
    }

    private static int CountDrops(HarnessOverheadResult result) => result.BareSeconds.Count - result.HarnessSeconds.Count;

    [Fact]
    public void The_overhead_is_the_harness_median_over_the_bare_median_in_percent()
    {
        var result = new HarnessOverheadResult("d", 1, [0.0102, 0.0101, 0.0101], [0.0100, 0.0100, 0.0101], [0.0001]);

        Assert.Equal(1, result.OverheadPercent, 9);
        Assert.Null(result.PacingPercent);

        var split = result with { PacedBareSeconds = [0.0101, 0.0101, 0.0101] };
        Assert.Equal(1, split.PacingPercent!.Value, 9);
        Assert.Equal(0, split.HarnessOverPacedPercent!.Value, 9);
        Assert.True(result.WithinTarget);
        Assert.False((result with { HarnessSeconds = [0.0110, 0.0110, 0.0110] }).WithinTarget);
    }

    [Fact]
    public void No_rounds_is_refused_in_one_line() =>
        Assert.DoesNotContain('\n', Assert.Throws<InvalidInputException>(() => HarnessOverhead.Measure("d", _ => { }, [0], rounds: 0, framesPerRound: 4)).Message);

    [Fact]
    public void The_stopwatch_clock_never_returns_before_the_time_asked_even_under_a_millisecond()
    {
        var clock = new StopwatchBenchClock();
        for (var i = 1; i <= 20; i++)
        {
            var due = i * 0.0003;
            clock.WaitUntil(due, CancellationToken.None);
            Assert.True(clock.NowSeconds >= due, $"returned at {clock.NowSeconds} s for {due} s");
        }
    }
}
