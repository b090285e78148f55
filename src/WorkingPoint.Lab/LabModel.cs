using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab;

/// <summary>What a device can run, as its agent found it: the jobs it may be given are matched against this.</summary>
/// <param name="Architecture">CPU architecture (x64, arm64).</param>
/// <param name="LogicalCores">Logical CPUs.</param>
/// <param name="MemoryBytes">Installed memory.</param>
/// <param name="Accelerators">Accelerators found (e.g. "cuda:Orin", "hailo8"); empty for a CPU-only machine.</param>
/// <param name="Runtimes">Runtimes found, by name, with their versions (e.g. "onnxruntime" → "1.23.2").</param>
/// <param name="JobKinds">The benchmark job kinds the agent can run.</param>
public sealed record DeviceCapabilities(
    string Architecture,
    int LogicalCores,
    long MemoryBytes,
    IReadOnlyList<string> Accelerators,
    IReadOnlyDictionary<string, string> Runtimes,
    IReadOnlyList<BenchmarkJobKind> JobKinds);

/// <summary>A board on the lab's shelf, as its agent registered it.</summary>
/// <param name="Id">The lab's id for the device (stable across agent restarts: derived from the fingerprint unless given).</param>
/// <param name="Name">A name people use ("orin-nano-1").</param>
/// <param name="Platform">The catalog platform id the device is an instance of, when its owner says so; null for unknown hardware.</param>
/// <param name="Labels">Labels jobs can target ("jetson", "desk-2").</param>
/// <param name="Fingerprint">The machine as measured results describe it.</param>
/// <param name="Capabilities">What it can run.</param>
/// <param name="RegisteredAt">When it first registered.</param>
/// <param name="LastSeenAt">When its agent last talked to the server.</param>
public sealed record LabDevice(
    string Id,
    string Name,
    string? Platform,
    IReadOnlyList<string> Labels,
    PlatformFingerprint Fingerprint,
    DeviceCapabilities Capabilities,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastSeenAt);

/// <summary>Where a job is in its life. Queued → Running (claimed under a lease) → Succeeded or Failed; Cancelled from Queued or Running. A lease that expires returns a Running job to Queued.</summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>A benchmark job in the lab's queue, for one device.</summary>
/// <param name="Id">The lab's id for the job.</param>
/// <param name="Spec">What to run.</param>
/// <param name="DeviceId">The device that must run it (a job submitted to a label becomes one job per matching device).</param>
/// <param name="State">Where it is.</param>
/// <param name="SubmittedBy">The name of the user token that submitted it.</param>
/// <param name="SubmittedAt">When.</param>
/// <param name="LeaseExpiresAt">While running: when the claim lapses unless renewed.</param>
/// <param name="Attempts">How many times it was claimed (a lapsed lease counts).</param>
/// <param name="ResultIds">Ids of the results it produced, once succeeded.</param>
/// <param name="Message">Why it failed or was cancelled; progress text while running; null otherwise.</param>
public sealed record LabJob(
    long Id,
    BenchmarkJob Spec,
    string DeviceId,
    JobState State,
    string SubmittedBy,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? LeaseExpiresAt,
    int Attempts,
    IReadOnlyList<long> ResultIds,
    string? Message);

/// <summary>What a token lets its holder do. Each role is exactly its rights: an agent cannot read the lab, a reader cannot submit.</summary>
public enum TokenRole
{
    /// <summary>Registers one device, claims that device's jobs, posts that device's results — nothing else.</summary>
    Agent,

    /// <summary>Reads devices, jobs and results (API and dashboard).</summary>
    Reader,

    /// <summary>Reads, submits and cancels jobs, and pushes results.</summary>
    Submitter,

    /// <summary>Everything a submitter may, and creates and revokes tokens.</summary>
    Admin,
}

/// <summary>Who a verified token belongs to.</summary>
/// <param name="TokenId">The token's id (never the secret).</param>
/// <param name="Name">Its holder's name, shown as who submitted a job.</param>
/// <param name="Role">What it may do.</param>
/// <param name="DeviceId">For an agent token: the one device it speaks for; null until that device registers, and for user tokens.</param>
public sealed record LabPrincipal(long TokenId, string Name, TokenRole Role, string? DeviceId);

/// <summary>Results with the lab's view: which device posted them.</summary>
public sealed record LabResult(StoredMeasurement Stored, string DeviceId);
