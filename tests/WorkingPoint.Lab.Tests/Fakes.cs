using System.Collections.Concurrent;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Agent;
using WorkingPoint.Lab.Client;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Lab.Tests;

/// <summary>A lab server in memory behind the client interface, with switches for outages and lost replies.</summary>
internal sealed class FakeLabClient : ILabClient
{
    public const string DeviceId = "dev-1";

    public InMemoryLabStore Store { get; } = new();

    public Uri Server { get; } = new("http://lab.test:8080");

    /// <summary>Every call fails as if the server were down.</summary>
    public volatile bool Unreachable;

    /// <summary>The next upload is stored, then its reply is lost (the agent sees the server as unreachable).</summary>
    public volatile bool LoseNextUploadReply;

    /// <summary>An upload carrying a record of this model is refused (400), as the server refuses a record it cannot store.</summary>
    public volatile string? RefusedModel;

    public int UploadCalls;

    /// <summary>How many records each upload request carried, in order.</summary>
    public ConcurrentQueue<int> UploadSizes { get; } = new();
    public int Heartbeats;

    public ConcurrentQueue<(long JobId, FinishRequest Request)> Finished { get; } = new();

    public ConcurrentQueue<string> Keys { get; } = new();

    public Task<LabDevice> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default)
    {
        Reachable();
        var now = DateTimeOffset.UtcNow;
        return Store.RegisterDeviceAsync(new LabDevice(DeviceId, request.Name, request.Platform, request.Labels, request.Fingerprint, request.Capabilities, now, now), cancellationToken);
    }

    public Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default)
    {
        Reachable();
        return Store.ListDevicesAsync(cancellationToken);
    }

    public Task<IReadOnlyList<LabJob>> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken = default)
    {
        Reachable();
        return Store.SubmitAsync(request.Job, new JobTarget(request.Device, request.Label), "tester", DateTimeOffset.UtcNow, cancellationToken);
    }

    public Task<IReadOnlyList<LabJob>> ListJobsAsync(string? device = null, JobState? state = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        Reachable();
        return Store.ListJobsAsync(device, state, limit ?? 100, cancellationToken);
    }

    public async Task<LabJob> GetJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        Reachable();
        return await Store.FindJobAsync(jobId, cancellationToken) ?? throw new LabServerException($"No job {jobId}.", 404);
    }

    public Task CancelJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        Reachable();
        return Store.CancelAsync(jobId, "cancelled by tester", cancellationToken);
    }

    public Task<LabJob?> ClaimAsync(CancellationToken cancellationToken = default)
    {
        Reachable();
        return Store.ClaimAsync(DeviceId, LabApi.DefaultLease, DateTimeOffset.UtcNow, cancellationToken);
    }

    public Task<bool> HeartbeatAsync(long jobId, HeartbeatRequest request, CancellationToken cancellationToken = default)
    {
        Reachable();
        Interlocked.Increment(ref Heartbeats);
        return Store.RenewLeaseAsync(jobId, DeviceId, LabApi.DefaultLease, DateTimeOffset.UtcNow, request.Progress, cancellationToken);
    }

    public async Task<bool> FinishAsync(long jobId, FinishRequest request, CancellationToken cancellationToken = default)
    {
        Reachable();
        var ours = await Store.FinishAsync(jobId, DeviceId, request.Outcome, request.ResultIds, request.Message, cancellationToken);
        if (ours)
        {
            Finished.Enqueue((jobId, request));
        }

        return ours;
    }

    public async Task<UploadResponse> UploadAsync(UploadRequest request, CancellationToken cancellationToken = default)
    {
        Reachable();
        Interlocked.Increment(ref UploadCalls);
        UploadSizes.Enqueue(request.Records.Count);
        var refusedAt = RefusedModel is { } refusedModel ? request.Records.ToList().FindIndex(r => r.ModelName == refusedModel) : -1;
        if (refusedAt >= 0)
        {
            // As the server refuses a record it cannot store: the whole request, before anything is stored.
            throw new LabServerException($"Records[{refusedAt}] ('{RefusedModel}') is refused (test).", 400);
        }

        // Through JSON, as the wire carries it: the key and subject must survive the trip. One batch, as the server stores it.
        var sent = request.Records.Select(record => System.Text.Json.JsonSerializer.Deserialize<MeasurementRecord>(System.Text.Json.JsonSerializer.Serialize(record, ResultJson.Options), ResultJson.Options)!).ToList();
        foreach (var record in sent)
        {
            Keys.Enqueue(record.IdempotencyKey);
        }

        var saved = await Store.SaveManyAsync(sent, cancellationToken);

        if (LoseNextUploadReply)
        {
            LoseNextUploadReply = false;
            throw new LabServerUnreachableException("reply lost", null);
        }

        return new UploadResponse(saved);
    }

    public Task<IReadOnlyList<StoredMeasurement>> ListResultsAsync(ResultQuery query, CancellationToken cancellationToken = default)
    {
        Reachable();
        return Store.QueryAsync(query, cancellationToken);
    }

    public Task<StoredMeasurement?> GetResultAsync(long resultId, CancellationToken cancellationToken = default)
    {
        Reachable();
        return Store.FindAsync(resultId, cancellationToken);
    }

    public async Task<long> SubmitAsync(BenchmarkJob job) => (await SubmitAsync(new SubmitRequest(job, DeviceId, null))).Single().Id;

    public async Task<IReadOnlyList<StoredMeasurement>> ResultsAsync() => await Store.QueryAsync(ResultQuery.All);

    private void Reachable()
    {
        if (Unreachable)
        {
            throw new LabServerUnreachableException($"The lab server at {Server} cannot be reached (test outage).", null);
        }
    }
}

/// <summary>An executor whose run is a delegate: records, progress, waits and failures as each test needs them.</summary>
internal sealed class FakeExecutor(Func<BenchmarkJob, IJobRecordSink, IProgress<string>, CancellationToken, Task> run) : IJobExecutor
{
    public IReadOnlyList<BenchmarkJobKind> Kinds { get; } = [BenchmarkJobKind.Onnx, BenchmarkJobKind.Llm];

    public IReadOnlyDictionary<string, string> RuntimeVersions { get; } = new Dictionary<string, string> { ["onnxruntime"] = "1.23.2" };

    public int Runs;

    public Task RunAsync(BenchmarkJob job, IJobRecordSink records, IProgress<string> progress, CancellationToken cancellation)
    {
        Interlocked.Increment(ref Runs);
        return run(job, records, progress, cancellation);
    }

    /// <summary>Saves <paramref name="count"/> records at once.</summary>
    public static FakeExecutor Saving(int count = 1) => new((job, sink, progress, _) =>
    {
        for (var i = 0; i < count; i++)
        {
            progress.Report($"record {i + 1} of {count}");
            sink.Save(Records.Make(job.Model ?? "none", i));
        }

        return Task.CompletedTask;
    });
}

internal static class Records
{
    private static long _unique;

    public static readonly PlatformFingerprint Machine = new("Test CPU", "x64", 4, 8L << 30, "Linux", "board-1", new Dictionary<string, string> { [".NET"] = "10.0" });

    public static MeasurementRecord Make(string model, int index = 0) => new(
        MeasurementKind.Onnx,
        new DateTimeOffset(2026, 12, 2, 4, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _unique)),
        TimeSpan.FromSeconds(10),
        Machine,
        model,
        null,
        new Dictionary<string, string> { ["scenario"] = "single-stream", ["index"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        [new Metric("p90", 12.5 + index, "ms")],
        [new SampleSeries("latency", "ms", [12.0, 12.5, 13.0])]);

    public static BenchmarkJob Job(string model = "yolov8n") => new(BenchmarkJobKind.Onnx, model, null, null, new Dictionary<string, string>());
}
