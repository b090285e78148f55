namespace WorkingPoint.Core.Analysis;

/// <summary>
/// What one unit of work (a frame, a token) asks of each shared resource: seconds of it at the full achievable rate, and the
/// time the unit takes alone (the sum over its steps of the slowest resource, so at least each resource's demand).
/// </summary>
public sealed record ResourceDemand(double ComputeSeconds, double DramSeconds, double OnChipSeconds, double HostLinkSeconds, double UnitSeconds)
{
    /// <summary>
    /// From the steps a unit runs one after the other. On a CPU a thread holds its core while it waits on memory, so the cores
    /// are occupied for the whole step, not only for its arithmetic: <paramref name="coresHeldWhileStalled"/> counts that.
    /// </summary>
    /// <summary>Whether the threads of the unit a workload runs on hold it while they wait on memory: true of CPUs, not of accelerators.</summary>
    public static bool HoldsCoresWhileStalled(Ceilings c) => c.Unit.HeldWhileStalled;

    public static ResourceDemand Of(IEnumerable<StepCost> steps, bool coresHeldWhileStalled)
    {
        double compute = 0, dram = 0, onChip = 0, link = 0, unit = 0;
        foreach (var step in steps)
        {
            compute += coresHeldWhileStalled ? step.Seconds : step.ComputeSeconds;
            dram += step.DramSeconds;
            onChip += step.OnChipSeconds;
            link += step.HostLinkSeconds;
            unit += step.Seconds;
        }

        return new ResourceDemand(compute, dram, onChip, link, unit);
    }

    public static ResourceDemand Zero { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Seconds of <paramref name="resource"/> one unit needs.</summary>
    public double Get(Resource resource) => resource switch
    {
        Resource.Compute => ComputeSeconds,
        Resource.Dram => DramSeconds,
        Resource.OnChip => OnChipSeconds,
        _ => HostLinkSeconds,
    };

    /// <summary>The same demands with the unit's own time set (e.g. a prediction's latency, which includes overlapped transfers).</summary>
    public ResourceDemand WithUnitSeconds(double seconds) => this with { UnitSeconds = seconds };

    /// <summary>Two units run one after the other.</summary>
    public static ResourceDemand operator +(ResourceDemand a, ResourceDemand b) =>
        new(a.ComputeSeconds + b.ComputeSeconds, a.DramSeconds + b.DramSeconds, a.OnChipSeconds + b.OnChipSeconds, a.HostLinkSeconds + b.HostLinkSeconds, a.UnitSeconds + b.UnitSeconds);

    /// <summary><paramref name="count"/> units (or a share of one).</summary>
    public static ResourceDemand operator *(ResourceDemand a, double count) =>
        new(a.ComputeSeconds * count, a.DramSeconds * count, a.OnChipSeconds * count, a.HostLinkSeconds * count, a.UnitSeconds * count);

    internal IEnumerable<(Resource Resource, double Seconds)> PerResource =>
        [(Resource.Compute, ComputeSeconds), (Resource.Dram, DramSeconds), (Resource.OnChip, OnChipSeconds), (Resource.HostLink, HostLinkSeconds)];
}

/// <summary>
/// A periodic workload (frames at a fixed rate) and a streaming one (tokens as fast as they come) on one chip, alone and together.
/// </summary>
public sealed record ConcurrencyPrediction(
    double FrameRate,
    double FrameLatencyAloneSeconds,
    double FrameLatencyTogetherSeconds,
    bool FrameRateHeldTogether,
    double StreamRateAlone,
    double StreamRateTogether,
    Resource Contended)
{
    public double StreamSlowdown => StreamRateAlone / StreamRateTogether;

    public double FrameLatencyIncrease => FrameLatencyTogetherSeconds / FrameLatencyAloneSeconds;
}

/// <summary>
/// Interference from shared compute and bandwidth. Over a second, the frames take <c>rate × demand</c> of each resource; the
/// stream gets what is left, so its rate is the least over resources of <c>(1 − frames' share) / its demand per token</c>,
/// and never more than alone. While a frame runs the stream keeps its share of each resource, but two active jobs split a
/// contended resource no worse than evenly, so a frame's demand on each resource is served at
/// <c>max(1 − stream's share, ½)</c> of the rate: its latency together is the slowest of those.
/// </summary>
public static class ConcurrencyPredictor
{
    public static ConcurrencyPrediction Predict(ResourceDemand frame, double framesPerSecond, ResourceDemand token)
    {
        if (framesPerSecond < 0 || frame.UnitSeconds <= 0 || token.UnitSeconds <= 0)
        {
            throw new InvalidInputException($"Concurrency needs a frame rate ≥ 0 and positive unit times (frame {frame.UnitSeconds} s, token {token.UnitSeconds} s).");
        }

        var streamAlone = 1 / token.UnitSeconds;
        var streamTogether = streamAlone;
        var contended = Resource.Compute;
        var frameResources = frame.PerResource.ToArray();
        var tokenResources = token.PerResource.ToArray();
        for (var k = 0; k < frameResources.Length; k++)
        {
            var tokenDemand = tokenResources[k].Seconds;
            if (tokenDemand <= 0)
            {
                continue;
            }

            var left = Math.Max(0, 1 - (framesPerSecond * frameResources[k].Seconds));
            var rate = left / tokenDemand;
            if (rate < streamTogether)
            {
                streamTogether = rate;
                contended = frameResources[k].Resource;
            }
        }

        // A frame's time is its own steps' time, stretched on each resource by the share the stream leaves it.
        var stretch = 1.0;
        for (var k = 0; k < frameResources.Length; k++)
        {
            if (frameResources[k].Seconds <= 0)
            {
                continue;
            }

            var served = Math.Max(1 - (streamTogether * tokenResources[k].Seconds), 0.5);
            stretch = Math.Max(stretch, frameResources[k].Seconds / served / frame.UnitSeconds);
        }

        var latencyTogether = frame.UnitSeconds * Math.Max(1, stretch);
        var held = framesPerSecond <= 0 || latencyTogether <= 1 / framesPerSecond;
        return new ConcurrencyPrediction(framesPerSecond, frame.UnitSeconds, latencyTogether, held, streamAlone, Math.Max(0, streamTogether), contended);
    }
}
