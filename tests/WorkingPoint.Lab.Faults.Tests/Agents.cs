using System.Collections.Concurrent;
using WorkingPoint.Lab.Agent;
using WorkingPoint.Lab.Client;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>A job executor run by a script: the fault tests decide what a job saves and when it ends.</summary>
internal sealed class ScriptedExecutor(Func<IJobRecordSink, IProgress<string>, CancellationToken, Task> run) : IJobExecutor
{
    public IReadOnlyList<BenchmarkJobKind> Kinds { get; } = [BenchmarkJobKind.Onnx];

    public IReadOnlyDictionary<string, string> RuntimeVersions { get; } = new Dictionary<string, string> { ["onnxruntime"] = "1.23.2" };

    public Task RunAsync(BenchmarkJob job, IJobRecordSink records, IProgress<string> progress, CancellationToken cancellation) => run(records, progress, cancellation);

    /// <summary>Saves <paramref name="count"/> distinct records of <paramref name="board"/> at once, then ends.</summary>
    public static ScriptedExecutor Saving(string board, int count) => new((sink, _, _) =>
    {
        for (var i = 0; i < count; i++)
        {
            sink.Save(Board.Record(board, i));
        }

        return Task.CompletedTask;
    });
}

/// <summary>One board of the lab: a real <see cref="LabAgent"/> with its own outbox (a state directory), its token and its log.</summary>
internal sealed class Board : IDisposable
{
    /// <summary>
    /// Fast enough for tests; the backoff is the agent's own (doubling up to the cap). One record per upload request, so the faults
    /// can be aimed at the n-th upload and an outage meets many requests (batching itself is tested in WorkingPoint.Lab.Tests).
    /// </summary>
    public static readonly AgentOptions FastOnce = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(100), Once: true, UploadBatchSize: 1);

    public static readonly LabClientOptions QuickClient = new(TimeSpan.FromSeconds(30), 1, TimeSpan.FromMilliseconds(20));

    private readonly string _state;

    public Board(string name, string token, Uri server, IJobExecutor executor, HttpMessageHandler? handler = null)
    {
        Name = name;
        _state = Directory.CreateTempSubdirectory("wpt-fault-" + name + "-").FullName;
        Client = new LabClient(server, token, QuickClient, handler);
        Outbox = AgentOutbox.Open(_state);
        Agent = new LabAgent(Client, executor, Outbox, new AgentIdentity(name, null, ["faults"]), Fingerprint(name),
            DeviceProbe.Capabilities(Fingerprint(name), executor, root: _state), FastOnce, line => Log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"));
        Executor = executor;
    }

    public string Name { get; }

    public LabClient Client { get; }

    public AgentOutbox Outbox { get; }

    public LabAgent Agent { get; }

    public IJobExecutor Executor { get; }

    public ConcurrentQueue<string> Log { get; } = new();

    public string LogText => string.Join('\n', Log);

    public static PlatformFingerprint Fingerprint(string board) =>
        new("Test CPU 4000", "x64", 8, 16L << 30, "Linux 6.1", board, new Dictionary<string, string> { ["onnxruntime"] = "1.23.2" });

    public static MeasurementRecord Record(string board, int index) => new(
        MeasurementKind.Onnx,
        new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero).AddSeconds(index),
        TimeSpan.FromSeconds(10),
        Fingerprint(board),
        "yolov8n",
        null,
        new Dictionary<string, string> { ["scenario"] = "single-stream", ["index"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        [new Metric("latency.p50", 12.5 + index, "ms")],
        [new SampleSeries("latency", "ms", [12.0, 12.5, 13.0])]);

    /// <summary>Registers the board as its agent will (the agent registers again when it starts: same device) and queues one job for it.</summary>
    public async Task<LabJob> RegisterAndQueueJobAsync(ILabStore store)
    {
        var device = await Client.RegisterAsync(new RegisterRequest(Name, null, ["faults"], Fingerprint(Name), DeviceProbe.Capabilities(Fingerprint(Name), Executor, root: _state)));
        var job = new BenchmarkJob(BenchmarkJobKind.Onnx, "yolov8n", "onnxruntime", "single-stream", new Dictionary<string, string>());
        return Assert.Single(await store.SubmitAsync(job, JobTarget.Device(device.Id), "fault-test", DateTimeOffset.UtcNow));
    }

    public void Dispose()
    {
        Outbox.Dispose();
        Client.Dispose();
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Waits in tests: a bound far beyond any run's need, so a hang fails instead of blocking CI (no timing is asserted).</summary>
internal static class HangGuard
{
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    public static async Task<T> Within<T>(Task<T> task, string what, Func<string>? context = null)
    {
        var finished = await Task.WhenAny(task, Task.Delay(Bound));
        Assert.True(finished == task, $"hung: {what} did not finish within {Bound.TotalMinutes} min{(context is null ? string.Empty : "; " + context())}");
        return await task;
    }

    public static async Task Within(Task task, string what, Func<string>? context = null) =>
        await Within(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return 0; }, TaskScheduler.Default), what, context);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"hung: never saw {what} within {Bound.TotalMinutes} min");
            await Task.Delay(20);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);
}
