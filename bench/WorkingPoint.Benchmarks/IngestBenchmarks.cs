using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Client;
using WorkingPoint.Lab.Postgres;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Results;
using WorkingPoint.Server;

namespace WorkingPoint.Benchmarks;

/// <summary>
/// Result ingest into the lab's stores, old path against new: records saved one by one (<see cref="IResultStore.SaveAsync"/>, one upload
/// per record) and in batches of <see cref="BatchSize"/> (<see cref="IResultStore.SaveManyAsync"/>, one upload per batch, as the agent and
/// <c>wpt results push</c> send them), each both at the store and through the lab server's HTTP API (Kestrel on 127.0.0.1, one agent
/// token and registered device per writer, the real <see cref="LabClient"/>). <see cref="Writers"/> concurrent writers share each
/// operation's new records (each a <c>bench onnx</c>-sized record: 8 metrics, a 1,000-sample latency series, a verdict and a manifest).
/// Results per second = 1e9 / Mean (ns), since BenchmarkDotNet divides by the records per operation. PostgreSQL runs when
/// WPT_BENCH_POSTGRES (or WPT_TEST_POSTGRES) names a server where the user may create a database; a fresh one is created and dropped.
/// SQLite runs on a file in the temporary directory.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet's [GlobalCleanup] disposes the clients, the server and the store.")]
public class IngestBenchmarks
{
    /// <summary>Records per operation one by one: 40 per writer.</summary>
    public const int RecordsOneByOne = 2_000;

    /// <summary>Records per operation in batches: 200 per writer, two batches each (as the load test's 50 agents × 200 results).</summary>
    public const int RecordsBatched = 10_000;

    public const int BatchSize = LabUploads.DefaultBatchSize;

    private static readonly WptProvenance Writer = new("bench", "bench", "bench");

    private ILabStore _store = null!;
    private WebApplication _server = null!;
    private LabClient[] _agents = [];
    private PlatformFingerprint[] _machines = [];
    private string? _database;
    private string? _directory;
    private int _next;
    private MeasurementRecord _template = null!;

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = "sqlite";

    [Params(50)]
    public int Writers { get; set; }

    public static IEnumerable<string> Stores()
    {
        if (ServerConnectionString() is not null)
        {
            yield return "postgres";
        }

        yield return "sqlite";
    }

    [GlobalSetup]
    public void Setup()
    {
        _template = Template();
        if (Store == "postgres")
        {
            var server = ServerConnectionString()!;
            _database = "wpt_bench_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
            Admin(server, $"CREATE DATABASE {_database};");
            _store = PostgresLabStore.OpenAsync(new NpgsqlConnectionStringBuilder(server) { Database = _database }.ConnectionString, Writer).GetAwaiter().GetResult();
        }
        else
        {
            _directory = Directory.CreateTempSubdirectory("wpt-bench-ingest-").FullName;
            _store = SqliteLabStore.Open(Path.Combine(_directory, "lab.db"), Writer);
        }

        // The lab server over the same store, and one agent per writer: its own token, its own registered board.
        _server = LabServer.Build(new LabServerOptions(_store, "http://127.0.0.1:0"));
        _server.StartAsync().GetAwaiter().GetResult();
        var address = new Uri(_server.Urls.First());
        _machines = [.. Enumerable.Range(0, Writers).Select(w => _template.Platform with { Hostname = string.Create(CultureInfo.InvariantCulture, $"bench-board-{w:00}") })];
        _agents = [.. _machines.Select(machine =>
        {
            var agent = new LabClient(address, _store.CreateTokenAsync(machine.Hostname, TokenRole.Agent).GetAwaiter().GetResult().Secret);
            agent.RegisterAsync(new RegisterRequest(machine.Hostname, null, [], machine, new DeviceCapabilities(machine.Architecture, machine.LogicalCores, machine.MemoryBytes, [], machine.RuntimeVersions, []))).GetAwaiter().GetResult();
            return agent;
        })];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        _server.StopAsync().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_database is not null)
        {
            Admin(ServerConnectionString()!, $"DROP DATABASE {_database} WITH (FORCE);");
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The old path at the store: one <see cref="IResultStore.SaveAsync"/> (one transaction) per record.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RecordsOneByOne)]
    public Task StoreOneByOne() => WritersAsync(RecordsOneByOne, async (_, records) =>
    {
        foreach (var record in records)
        {
            New(await _store.Results.SaveAsync(record).ConfigureAwait(false));
        }
    });

    /// <summary>The new path at the store: one <see cref="IResultStore.SaveManyAsync"/> (one transaction) per batch.</summary>
    [Benchmark(OperationsPerInvoke = RecordsBatched)]
    public Task StoreBatched() => WritersAsync(RecordsBatched, async (_, records) =>
    {
        foreach (var batch in records.Chunk(BatchSize))
        {
            foreach (var outcome in await _store.Results.SaveManyAsync(batch).ConfigureAwait(false))
            {
                New(outcome);
            }
        }
    });

    /// <summary>The old upload: one POST /api/v1/results per record, as the agent sent its outbox before batching.</summary>
    [Benchmark(OperationsPerInvoke = RecordsOneByOne)]
    public Task HttpOneByOne() => WritersAsync(RecordsOneByOne, async (writer, records) =>
    {
        foreach (var record in records)
        {
            New((await _agents[writer].UploadAsync(new UploadRequest([record])).ConfigureAwait(false)).Saved.Single());
        }
    });

    /// <summary>The new upload: one POST per batch of <see cref="BatchSize"/>, as the agent and <c>wpt results push</c> send them.</summary>
    [Benchmark(OperationsPerInvoke = RecordsBatched)]
    public Task HttpBatched() => WritersAsync(RecordsBatched, (writer, records) =>
        LabUploads.UploadAsync(_agents[writer], records, record => record, (_, outcome) => New(outcome), (_, refusal) => throw refusal, BatchSize));

    /// <summary>
    /// The operation's <paramref name="count"/> new records split over the writers, each writer's on its own board and saved by
    /// <paramref name="save"/>, all writers at once. Every record is new (its own run number), so each save stores a row rather than
    /// finding one by its idempotency key.
    /// </summary>
    private async Task WritersAsync(int count, Func<int, MeasurementRecord[], Task> save)
    {
        var first = Interlocked.Add(ref _next, count) - count;
        var perWriter = count / Writers;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(() =>
        {
            var records = Enumerable.Range(first + (writer * perWriter), perWriter).Select(n => _template with
            {
                StartedAt = _template.StartedAt.AddMilliseconds(n),
                Platform = _machines[writer],
                Parameters = new Dictionary<string, string>(_template.Parameters) { ["run"] = n.ToString(CultureInfo.InvariantCulture) },
            }).ToArray();
            return save(writer, records);
        }))).ConfigureAwait(false);
    }

    private static void New(SaveOutcome outcome)
    {
        if (!outcome.Created)
        {
            throw new InvalidOperationException($"result {outcome.Id} was stored already: the benchmark would measure lookups, not ingest");
        }
    }

    internal static string? ServerConnectionString() =>
        Environment.GetEnvironmentVariable("WPT_BENCH_POSTGRES") is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("WPT_TEST_POSTGRES") is { Length: > 0 } test ? test
        : null;

    internal static void Admin(string server, string sql)
    {
        using var connection = new NpgsqlConnection(server);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static MeasurementRecord Template()
    {
        var random = new Random(7);
        var latencies = Enumerable.Range(0, 1000).Select(_ => 10 + random.NextDouble() * 4).ToArray();
        return new MeasurementRecord(
            MeasurementKind.Onnx,
            new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero),
            TimeSpan.FromSeconds(12.5),
            new PlatformFingerprint("Cortex-A78AE", "arm64", 6, 8L << 30, "Linux 5.15.148-tegra", "orin-nano-1", new SortedDictionary<string, string> { [".NET"] = "10.0.0", ["ONNX Runtime"] = "1.31.1" }),
            "yolov8n",
            "3f1c0a9d2b7e4f6a8c5d1e0b9a7f3c2d4e6b8a0c1d3f5e7a9b2c4d6e8f0a1b3c",
            new Dictionary<string, string> { ["scenario"] = "single-stream", ["provider"] = "cpu", ["threads"] = "6", ["input"] = "1x3x640x640", ["duration"] = "10" },
            [
                new Metric("latency.p50", 11.9, "ms"), new Metric("latency.p90", 13.1, "ms"), new Metric("latency.p99", 13.8, "ms"), new Metric("latency.mean", 12.0, "ms"),
                new Metric("throughput", 83.2, "samples/s"), new Metric("queries", 1000, "count"), new Metric("power.mean", 9.4, "W"), new Metric("energy.per-inference", 0.113, "J"),
            ],
            [new SampleSeries("latency", "ms", latencies)])
        {
            Verdict = new RunVerdict("≥ 10 s, ≥ 64 queries, p90 early stopping at 99 %", [], [], VariationPercent: 1.2),
            Manifest = new RunManifest("wpt bench onnx yolov8n --scenario single-stream", "6", "0-5", "performance", "1510 MHz", "1510 MHz", "Linux 5.15.148-tegra", "15W", new SortedDictionary<string, string> { ["yolov8n"] = "3f1c" }),
        };
    }
}
