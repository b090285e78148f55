using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab;

/// <summary>
/// The lab server's HTTP API: its routes and messages, shared by the server and its clients (agent, <c>wpt jobs</c>, <c>wpt results push|pull</c>).
/// JSON bodies (System.Text.Json, camelCase, enums as strings). Every call carries <c>Authorization: Bearer TOKEN</c>.
/// Errors are 4xx/5xx with a <see cref="ApiError"/> body.
/// </summary>
public static class LabApi
{
    public const string Prefix = "/api/v1";

    /// <summary>POST <see cref="RegisterRequest"/> → <see cref="LabDevice"/> (agent token).</summary>
    public const string Register = Prefix + "/devices/register";

    /// <summary>GET → LabDevice[] (reader).</summary>
    public const string Devices = Prefix + "/devices";

    /// <summary>POST <see cref="SubmitRequest"/> → LabJob[] (submitter); GET ?device=&amp;state=&amp;limit= → LabJob[] (reader).</summary>
    public const string Jobs = Prefix + "/jobs";

    /// <summary>GET /jobs/{id} → LabJob; POST /jobs/{id}/cancel (submitter).</summary>
    public static string Job(long id) => $"{Jobs}/{id}";

    public static string Cancel(long id) => $"{Jobs}/{id}/cancel";

    /// <summary>POST (agent) → 200 LabJob, or 204 when none is queued for the agent's device.</summary>
    public const string Claim = Prefix + "/jobs/claim";

    /// <summary>POST <see cref="HeartbeatRequest"/> (agent) → 200, or 409 when the job is no longer the agent's (cancelled: stop it).</summary>
    public static string Heartbeat(long id) => $"{Jobs}/{id}/heartbeat";

    /// <summary>POST <see cref="FinishRequest"/> (agent) → 200, or 409.</summary>
    public static string Finish(long id) => $"{Jobs}/{id}/finish";

    /// <summary>POST <see cref="UploadRequest"/> → <see cref="UploadResponse"/> (agent for its own device, or submitter); GET ?kind=&amp;device=&amp;platform=&amp;model=&amp;runtime=&amp;limit=&amp;before= → ResultJson[] (reader).</summary>
    public const string Results = Prefix + "/results";

    /// <summary>GET /results/{id} → the record with samples (reader).</summary>
    public static string Result(long id) => $"{Results}/{id}";

    /// <summary>POST <see cref="CreateTokenRequest"/> → 201 <see cref="CreateTokenResponse"/>, the secret shown this once (admin).</summary>
    public const string Tokens = Prefix + "/tokens";

    /// <summary>DELETE revokes the token (admin): 204, or 404 when there is no such live token.</summary>
    public static string Token(long id) => $"{Tokens}/{id}";

    /// <summary>Most records one upload may carry; a bigger batch is refused with 413 (split it).</summary>
    public const int MaxRecordsPerUpload = 1000;

    /// <summary>The OpenAPI document.</summary>
    public const string OpenApi = "/openapi/v1.json";

    /// <summary>Unauthenticated liveness: 200 "ok".</summary>
    public const string Health = "/healthz";

    /// <summary>Largest accepted request body: a record with its raw samples is well under this; a bigger body is refused with 413.</summary>
    public const long MaxRequestBytes = 16 * 1024 * 1024;

    /// <summary>How long a claim holds before the job returns to the queue, unless the agent's heartbeat renews it.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(2);
}

/// <summary>An agent's registration: who it is and what it can run.</summary>
public sealed record RegisterRequest(string Name, string? Platform, IReadOnlyList<string> Labels, PlatformFingerprint Fingerprint, DeviceCapabilities Capabilities);

/// <summary>A job for one device or for every device with a label (exactly one of the two).</summary>
public sealed record SubmitRequest(BenchmarkJob Job, string? Device, string? Label);

public sealed record HeartbeatRequest(string? Progress);

/// <summary>How a claimed job ended: Succeeded with the ids its results got on upload, or Failed with the reason.</summary>
public sealed record FinishRequest(JobState Outcome, IReadOnlyList<long> ResultIds, string? Message);

/// <summary>Results to store, with their raw samples, manifest and verdict, each under its idempotency key.</summary>
public sealed record UploadRequest(IReadOnlyList<MeasurementRecord> Records);

/// <summary>Per record, in order: its id, and whether this upload stored it (false: it was there already).</summary>
public sealed record UploadResponse(IReadOnlyList<SaveOutcome> Saved);

/// <summary>Every error's body: one line naming the problem and the fix.</summary>
public sealed record ApiError(string Error);

/// <summary>A token to create: its holder's name and what it may do.</summary>
public sealed record CreateTokenRequest(string Name, TokenRole Role);

/// <summary>A created token: the secret is shown this once (only its hash is stored).</summary>
public sealed record CreateTokenResponse(long TokenId, string Name, TokenRole Role, string Secret);
