using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab;

/// <summary>
/// The lab's database: devices, the job queue with leases, access tokens and the results. One implementation on PostgreSQL (a team's
/// server) and one on a SQLite file (one machine); both pass the same conformance tests. Every method is one transaction.
/// </summary>
public interface ILabStore : IAsyncDisposable
{
    /// <summary>The lab's results; records saved here are tied to the device in their <see cref="MeasurementRecord.Subject"/>.</summary>
    IResultStore Results { get; }

    /// <summary>Registers a device, or updates its fingerprint, capabilities, labels and last-seen time when its id is known.</summary>
    Task<LabDevice> RegisterDeviceAsync(LabDevice device, CancellationToken cancellationToken = default);

    Task<LabDevice?> FindDeviceAsync(string deviceId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks the device as seen now.</summary>
    Task TouchDeviceAsync(string deviceId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Queues one job per device: the given device, or every registered device carrying the label. None when nothing matches.</summary>
    Task<IReadOnlyList<LabJob>> SubmitAsync(BenchmarkJob spec, JobTarget target, string submittedBy, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task<LabJob?> FindJobAsync(long jobId, CancellationToken cancellationToken = default);

    /// <summary>Jobs newest first, optionally of one device and/or state.</summary>
    Task<IReadOnlyList<LabJob>> ListJobsAsync(string? deviceId = null, JobState? state = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Cancels a queued or running job; false when it had already ended.</summary>
    Task<bool> CancelAsync(long jobId, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically claims the oldest queued job of the device (first returning any of its jobs whose lease lapsed before <paramref name="now"/>
    /// to the queue): two agents racing never get the same job (PostgreSQL: FOR UPDATE SKIP LOCKED). Null when none is queued.
    /// </summary>
    Task<LabJob?> ClaimAsync(string deviceId, TimeSpan lease, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Extends a running job's lease (the agent's heartbeat), with its progress text; false when the job is no longer this device's running job (cancelled, lapsed and re-queued).</summary>
    Task<bool> RenewLeaseAsync(long jobId, string deviceId, TimeSpan lease, DateTimeOffset now, string? progress, CancellationToken cancellationToken = default);

    /// <summary>Ends a running job of this device as succeeded with its results, or failed with the reason; false when it is not this device's running job.</summary>
    Task<bool> FinishAsync(long jobId, string deviceId, JobState outcome, IReadOnlyList<long> resultIds, string? message, CancellationToken cancellationToken = default);

    /// <summary>Returns every running job whose lease lapsed before <paramref name="now"/> to the queue; how many.</summary>
    Task<int> RequeueLapsedAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Creates a token and returns its secret (shown once; only its hash is stored).</summary>
    Task<(LabPrincipal Principal, string Secret)> CreateTokenAsync(string name, TokenRole role, CancellationToken cancellationToken = default);

    /// <summary>The holder of a secret, or null for an unknown or revoked one.</summary>
    Task<LabPrincipal?> VerifyTokenAsync(string secret, CancellationToken cancellationToken = default);

    /// <summary>Binds an agent token to the device it registered (once; an agent token never speaks for a second device).</summary>
    Task BindAgentTokenAsync(long tokenId, string deviceId, CancellationToken cancellationToken = default);

    Task<bool> RevokeTokenAsync(long tokenId, CancellationToken cancellationToken = default);
}

/// <summary>Which devices a submitted job goes to: one by id, or every device with a label.</summary>
public sealed record JobTarget(string? DeviceId, string? Label)
{
    public static JobTarget Device(string deviceId) => new(deviceId, null);

    public static JobTarget WithLabel(string label) => new(null, label);
}
