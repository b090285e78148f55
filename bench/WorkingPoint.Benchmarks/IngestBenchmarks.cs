using System.Globalization;
using BenchmarkDotNet.Attributes;
using Npgsql;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Postgres;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Results;

namespace WorkingPoint.Benchmarks;

/// <summary>
/// Result ingest into the lab's stores: one operation saves <see cref="RecordsPerOperation"/> new records (each a <c>bench onnx</c>-sized
/// record: 8 metrics, a 1,000-sample latency series, a verdict and a manifest) through <see cref="IResultStore.SaveAsync"/> from
/// <see cref="Writers"/> concurrent writers, as a lab server does for its agents' uploads. Results per second = 1e9 / Mean (ns), since
/// BenchmarkDotNet divides by the records per operation. PostgreSQL runs when WPT_BENCH_POSTGRES (or WPT_TEST_POSTGRES) names a server
/// where the user may create a database; a fresh one is created and dropped. SQLite runs on a file in the temporary directory.
/// </summary>
public class IngestBenchmarks
{
    public const int RecordsPerOperation = 2_000;

    private static readonly WptProvenance Writer = new("bench", "bench", "bench");

    private ILabStore _store = null!;
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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
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

    [Benchmark(OperationsPerInvoke = RecordsPerOperation)]
    public async Task SaveRecords()
    {
        // Every record is new (its own run number), so each save stores a row rather than finding one by its idempotency key.
        var first = Interlocked.Add(ref _next, RecordsPerOperation) - RecordsPerOperation;
        var perWriter = RecordsPerOperation / Writers;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                var n = first + (writer * perWriter) + i;
                var saved = await _store.Results.SaveAsync(_template with { StartedAt = _template.StartedAt.AddMilliseconds(n), Parameters = new Dictionary<string, string>(_template.Parameters) { ["run"] = n.ToString(CultureInfo.InvariantCulture) } }).ConfigureAwait(false);
                if (!saved.Created)
                {
                    throw new InvalidOperationException($"record {n} was stored already: the benchmark would measure lookups, not ingest");
                }
            }
        }))).ConfigureAwait(false);
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
