namespace WorkingPoint.Core.Analysis;

/// <summary>
/// A resource workloads running at once can compete for: the platform's DRAM (shared by every unit), or a unit's compute,
/// on-chip memory or host link (shared only by the work that runs on that unit).
/// </summary>
/// <param name="Unit">The compute unit's id; null for the DRAM.</param>
public readonly record struct SharedResource(Resource Resource, string? Unit)
{
    public static SharedResource On(Resource resource, string unit) => new(resource, resource == Resource.Dram ? null : unit);

    public override string ToString() => Unit is null ? Resource.ToId() : $"{Unit} {Resource.ToId()}";
}

/// <summary>
/// What one unit of work (a frame, a token) asks of each shared resource: seconds of it at the full achievable rate, and the
/// time the unit takes alone (the sum over its steps of the slowest resource, so at least each resource's demand).
/// </summary>
/// <param name="Unit">The id of the compute unit the work runs on: its compute, on-chip and link demands are on that unit.</param>
public sealed record ResourceDemand(double ComputeSeconds, double DramSeconds, double OnChipSeconds, double HostLinkSeconds, double UnitSeconds, string Unit = "unit")
{
    /// <summary>Whether the threads of the unit a workload runs on hold it while they wait on memory: true of CPUs, not of accelerators.</summary>
    public static bool HoldsCoresWhileStalled(Ceilings c) => c.Unit.HeldWhileStalled;

    /// <summary>
    /// From the steps a unit of work runs one after the other on the unit of <paramref name="c"/>. On a CPU a thread holds its
    /// core while it waits on memory, so the cores are occupied for the whole step, not only for its arithmetic.
    /// </summary>
    public static ResourceDemand Of(IEnumerable<StepCost> steps, Ceilings c) => Of(steps, c.Unit.HeldWhileStalled) with { Unit = c.Unit.Id };

    /// <summary>From the steps a unit of work runs one after the other; <paramref name="coresHeldWhileStalled"/>: see above.</summary>
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

    /// <summary>Seconds of a shared resource one unit needs: zero for another unit's compute, on-chip memory or link.</summary>
    public double Get(SharedResource resource) => resource.Unit is null || resource.Unit == Unit ? Get(resource.Resource) : 0;

    /// <summary>Two units of work on the same compute unit, one after the other (an encoder, then a prefill).</summary>
    public static ResourceDemand operator +(ResourceDemand a, ResourceDemand b) =>
        new(a.ComputeSeconds + b.ComputeSeconds, a.DramSeconds + b.DramSeconds, a.OnChipSeconds + b.OnChipSeconds, a.HostLinkSeconds + b.HostLinkSeconds, a.UnitSeconds + b.UnitSeconds, a.UnitSeconds > 0 ? a.Unit : b.Unit);

    /// <summary><paramref name="count"/> units (or a share of one).</summary>
    public static ResourceDemand operator *(ResourceDemand a, double count) =>
        new(a.ComputeSeconds * count, a.DramSeconds * count, a.OnChipSeconds * count, a.HostLinkSeconds * count, a.UnitSeconds * count, a.Unit);

    /// <summary>The shared resources this demand is on, with its seconds of each.</summary>
    public IEnumerable<(SharedResource Resource, double Seconds)> PerResource =>
    [
        (SharedResource.On(Resource.Compute, Unit), ComputeSeconds),
        (SharedResource.On(Resource.Dram, Unit), DramSeconds),
        (SharedResource.On(Resource.OnChip, Unit), OnChipSeconds),
        (SharedResource.On(Resource.HostLink, Unit), HostLinkSeconds),
    ];
}

/// <summary>
/// How workloads that run at once share a platform — the one contention model of WorkingPoint, used by the concurrency
/// prediction of <c>bench mix</c> and by the use-case evaluator. The load on a shared resource is the sum over workloads of
/// rate × demand (seconds of it per second; above 1 the resource is oversubscribed). Work on different compute units shares
/// only the DRAM. A workload's time stretches, on each resource it uses, by the share the others leave it, but two or more
/// active jobs split a contended resource no worse than evenly; a workload that takes what is left runs at the least over
/// resources of (1 − others' load) / its demand.
/// </summary>
public static class ContentionModel
{
    /// <summary>The load on each shared resource of workloads running at their rates.</summary>
    public static Dictionary<SharedResource, double> Load(IEnumerable<(ResourceDemand Demand, double UnitsPerSecond)> workloads)
    {
        var load = new Dictionary<SharedResource, double>();
        foreach (var (demand, rate) in workloads)
        {
            foreach (var (resource, seconds) in demand.PerResource)
            {
                load[resource] = load.GetValueOrDefault(resource) + (rate * seconds);
            }
        }

        return load;
    }

    /// <summary>
    /// How much longer a unit of <paramref name="demand"/> takes beside others that load the resources by
    /// <paramref name="others"/>, with <paramref name="activeJobs"/> jobs in all: at least 1.
    /// </summary>
    public static double Stretch(ResourceDemand demand, IReadOnlyDictionary<SharedResource, double> others, int activeJobs)
    {
        if (demand.UnitSeconds <= 0)
        {
            return 1;
        }

        var floor = 1.0 / Math.Max(1, activeJobs);
        var slowest = 0.0;
        foreach (var (resource, seconds) in demand.PerResource)
        {
            if (seconds > 0)
            {
                slowest = Math.Max(slowest, seconds / Math.Max(1 - others.GetValueOrDefault(resource), floor));
            }
        }

        return Math.Max(1, slowest / demand.UnitSeconds);
    }

    /// <summary>
    /// The rate a workload that takes whatever is left reaches beside <paramref name="others"/> (never more than
    /// <paramref name="alone"/>), and the resource that limits it.
    /// </summary>
    public static (double Rate, SharedResource Limit) LeftoverRate(ResourceDemand demand, IReadOnlyDictionary<SharedResource, double> others, double alone)
    {
        var rate = alone;
        var limit = SharedResource.On(Resource.Compute, demand.Unit);
        foreach (var (resource, seconds) in demand.PerResource)
        {
            if (seconds <= 0)
            {
                continue;
            }

            var left = Math.Max(0, 1 - others.GetValueOrDefault(resource)) / seconds;
            if (left < rate)
            {
                rate = left;
                limit = resource;
            }
        }

        return (Math.Max(0, rate), limit);
    }
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
/// A periodic workload (frames) and a streaming one (tokens as fast as they come) together, by the <see cref="ContentionModel"/>:
/// the stream takes what the frames leave; a frame is served on each resource at max(1 − stream's load, ½).
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
        var (streamTogether, contended) = ContentionModel.LeftoverRate(token, ContentionModel.Load([(frame, framesPerSecond)]), streamAlone);

        // A frame's time is its own steps' time, stretched on each resource by the share the stream leaves it.
        var latencyTogether = frame.UnitSeconds * ContentionModel.Stretch(frame, ContentionModel.Load([(token, streamTogether)]), activeJobs: 2);
        var held = framesPerSecond <= 0 || latencyTogether <= 1 / framesPerSecond;
        return new ConcurrencyPrediction(framesPerSecond, frame.UnitSeconds, latencyTogether, held, streamAlone, streamTogether, contended.Resource);
    }
}
