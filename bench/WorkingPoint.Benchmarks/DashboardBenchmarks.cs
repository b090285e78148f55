using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Postgres;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Server;
using WorkingPoint.Server.DashboardPages;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Benchmarks;

/// <summary>
/// The lab dashboard's heaviest pages with <see cref="StoredResults"/> results stored (issue 13's target: ≤ 200 ms server time each):
/// the platforms × models matrix (the newest result per subject, then a cached prediction per cell) and the first page of the results
/// list and one filtered by model (a page of 50 and a count). One operation is one GET over loopback with a reader token.
/// <see cref="Store"/>: the tests' in-memory store, SQLite (a file in the temporary directory) and PostgreSQL (when WPT_BENCH_POSTGRES
/// or WPT_TEST_POSTGRES names a server; a fresh database is made and dropped). Each store is seeded once per process (run with
/// --inProcess): bulk-loaded in its own format, not saved one by one. <see cref="Queries"/> "before" reads as the dashboard did before
/// the stores answered <see cref="IResultStore.LatestPerSubjectAsync"/> with one grouped query: the interface's default implementation
/// (every matching result read, grouped in C#) and raw samples read with every list; "after" is the store's own.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet's [GlobalCleanup] disposes the client and the server.")]
public class DashboardBenchmarks
{
    public const int StoredResults = 100_000;

    private static readonly string[] Platforms = ["jetson-orin-nano-8gb", "jetson-orin-nx-16gb", "jetson-agx-orin-64gb", "raspberry-pi-5", "rk3588", "apple-m4", "hailo-8", "unknown-board"];
    private static readonly string[] Llms = ["llama-3.2-1b", "llama-3.2-3b", "qwen2.5-1.5b", "qwen3-4b", "gemma-3-1b", "phi-4-mini"];
    private static readonly string[] Networks = ["yolov8s", "resnet50", "mobilenetv2", "espcn-x2"];
    private static readonly WptProvenance Writer = new("bench", "bench", "bench");
    private static readonly Dictionary<string, ILabStore> Seeded = [];

    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [ParamsSource(nameof(Stores))]
    public string Store { get; set; } = "memory";

    [Params("before", "after")]
    public string Queries { get; set; } = "after";

    /// <summary>memory, sqlite, and postgres when a server is named; WPT_BENCH_STORES=postgres,sqlite runs only those listed.</summary>
    public static IEnumerable<string> Stores()
    {
        var only = Environment.GetEnvironmentVariable("WPT_BENCH_STORES")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string[] available = IngestBenchmarks.ServerConnectionString() is null ? ["memory", "sqlite"] : ["memory", "sqlite", "postgres"];
        return available.Where(s => only is null || only.Contains(s));
    }

    [GlobalSetup]
    public void Setup()
    {
        if (!Seeded.TryGetValue(Store, out var store))
        {
            store = Store switch
            {
                "postgres" => SeedPostgres(),
                "sqlite" => SeedSqlite(),
                _ => SeedMemory(),
            };
            Seeded[Store] = store;
        }

        var reader = store.CreateTokenAsync("bench", TokenRole.Reader).GetAwaiter().GetResult().Secret;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapDashboard(Queries == "before" ? new AsBefore(store) : store, new DashboardOptions(Catalog.Catalog.BuiltIn, []));
        _app.StartAsync().GetAwaiter().GetResult();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", reader);
        Matrix(); // predictions are cached per cell after the first visit, as on a running server
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public int Matrix() => Get("/matrix");

    [Benchmark]
    public int ResultsFirstPage() => Get("/results");

    [Benchmark]
    public int ResultsFilteredByModel() => Get("/results?model=yolov8s");

    private int Get(string path)
    {
        using var response = _client.GetAsync(path).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        return response.Content.ReadAsStringAsync().GetAwaiter().GetResult().Length;
    }

    /// <summary>100,000 LLM and network results: 8 platforms, 10 models, 24 devices, 100 raw samples each (seed 13); ids 1…100,000 in time order.</summary>
    private static IEnumerable<MeasurementRecord> Records()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var fingerprint = new PlatformFingerprint("bench CPU", "arm64", 8, 8L << 30, "Linux", "bench", new Dictionary<string, string>());
        var samples = Enumerable.Range(0, 100).Select(j => 10.0 + j).ToArray();
        var random = new Random(13);
        for (var i = 0; i < StoredResults; i++)
        {
            var platform = Platforms[i % Platforms.Length];
            var llm = random.Next(2) == 0;
            var model = llm ? Llms[random.Next(Llms.Length)] : Networks[random.Next(Networks.Length)];
            var metrics = llm
                ? new[] { new Metric("decode.tokens-per-second", 5 + (random.NextDouble() * 40), "tok/s"), new Metric("prefill.tokens-per-second", 300, "tok/s") }
                : [new Metric("latency.p90", 20, "ms"), new Metric("latency.p50", 5 + (random.NextDouble() * 100), "ms")];
            yield return new MeasurementRecord(llm ? MeasurementKind.Llm : MeasurementKind.Onnx, start.AddSeconds(i), TimeSpan.FromSeconds(30), fingerprint, model, null,
                new Dictionary<string, string> { ["run"] = i.ToString(CultureInfo.InvariantCulture) }, metrics,
                [new SampleSeries(llm ? "ttft" : "latency", "ms", samples)])
            {
                Subject = new ResultSubject($"device-{i % 24}", platform, model, llm ? "q4_0" : "int8", llm ? "llama.cpp" : "onnxruntime", "cpu"),
            };
        }
    }

    private static InMemoryLabStore SeedMemory()
    {
        var store = new InMemoryLabStore();
        foreach (var record in Records())
        {
            store.Results.SaveAsync(record).GetAwaiter().GetResult();
        }

        return store;
    }

    /// <summary>A fresh database, its schema by the store, the rows by binary COPY, then VACUUM ANALYZE as autovacuum would do after a load.</summary>
    private static PostgresLabStore SeedPostgres()
    {
        var server = IngestBenchmarks.ServerConnectionString()!;
        var database = "wpt_bench_dashboard_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        IngestBenchmarks.Admin(server, $"CREATE DATABASE {database};");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => IngestBenchmarks.Admin(server, $"DROP DATABASE {database} WITH (FORCE);");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        var store = PostgresLabStore.OpenAsync(connectionString, Writer).GetAwaiter().GetResult();

        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        var id = 0L;
        var rows = new List<(long Id, MeasurementRecord Record)>();
        foreach (var record in Records())
        {
            rows.Add((++id, record));
        }

        using (var results = connection.BeginBinaryImport("COPY results (id, idempotency_key, kind, started_at, started_ticks, duration_ticks, status, device, platform, model, weights, runtime, unit, model_name, parameters, fingerprint, wpt_version, wpt_commit, catalog_sha256) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (rowId, r) in rows)
            {
                var s = r.Subject;
                results.StartRow();
                results.Write(rowId, NpgsqlDbType.Bigint);
                results.Write(r.IdempotencyKey, NpgsqlDbType.Text);
                results.Write(r.Kind.ToString(), NpgsqlDbType.Text);
                results.Write(r.StartedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                results.Write(r.StartedAt.UtcTicks, NpgsqlDbType.Bigint);
                results.Write(r.Duration.Ticks, NpgsqlDbType.Bigint);
                results.Write("complete", NpgsqlDbType.Text);
                results.Write(s.Device, NpgsqlDbType.Text);
                results.Write(s.Platform!, NpgsqlDbType.Text);
                results.Write(s.Model!, NpgsqlDbType.Text);
                results.Write(s.Weights!, NpgsqlDbType.Text);
                results.Write(s.Runtime!, NpgsqlDbType.Text);
                results.Write(s.Unit!, NpgsqlDbType.Text);
                results.Write(r.ModelName!, NpgsqlDbType.Text);
                results.Write(JsonSerializer.Serialize(new SortedDictionary<string, string>(r.Parameters.ToDictionary(), StringComparer.Ordinal), ResultJson.Options), NpgsqlDbType.Jsonb);
                results.Write(JsonSerializer.Serialize(r.Platform, ResultJson.Options), NpgsqlDbType.Jsonb);
                results.Write(Writer.Version, NpgsqlDbType.Text);
                results.Write(Writer.Commit, NpgsqlDbType.Text);
                results.Write(Writer.CatalogSha256, NpgsqlDbType.Text);
            }

            results.Complete();
        }

        using (var metrics = connection.BeginBinaryImport("COPY result_metrics (result_id, ordinal, name, value, unit) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (rowId, r) in rows)
            {
                for (var i = 0; i < r.Metrics.Count; i++)
                {
                    metrics.WriteRow(rowId, i, r.Metrics[i].Name, r.Metrics[i].Value, r.Metrics[i].Unit);
                }
            }

            metrics.Complete();
        }

        using (var samples = connection.BeginBinaryImport("COPY result_samples (result_id, ordinal, name, unit, count, values_le_f64) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (rowId, r) in rows)
            {
                for (var i = 0; i < r.Samples.Count; i++)
                {
                    samples.WriteRow(rowId, i, r.Samples[i].Name, r.Samples[i].Unit, r.Samples[i].Values.Count, ResultStorage.Pack(r.Samples[i].Values));
                }
            }

            samples.Complete();
        }

        foreach (var sql in new[] { "SELECT setval('results_id_seq', (SELECT max(id) FROM results));", "VACUUM ANALYZE;" })
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }

        return store;
    }

    /// <summary>The lab file made by the store, then the rows inserted in one transaction, as the store's own save writes them.</summary>
    private static SqliteLabStore SeedSqlite()
    {
        var directory = Directory.CreateTempSubdirectory("wpt-bench-dashboard-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        };
        var path = Path.Combine(directory, "lab.db");
        SqliteLabStore.Open(path, Writer).DisposeAsync().AsTask().GetAwaiter().GetResult();

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.CommandText =
                """
                INSERT INTO measurements (id, kind, started_at, duration_seconds, fingerprint_json, model_name, parameters_json, wpt_version, status, wpt_commit, catalog_sha256,
                    device, platform, model, weights, runtime, unit, idempotency_key)
                VALUES ($id, $kind, $startedAt, $duration, $fingerprint, $model, $parameters, 'bench', 'complete', 'bench', 'bench', $device, $platform, $subjectModel, $weights, $runtime, $unit, $key);
                """;
            using var metric = connection.CreateCommand();
            metric.CommandText = "INSERT INTO metrics (measurement_id, ordinal, name, value, unit) VALUES ($id, $ordinal, $name, $value, $unit);";
            using var sample = connection.CreateCommand();
            sample.CommandText = "INSERT INTO samples (measurement_id, ordinal, name, unit, count, values_le_f64) VALUES ($id, $ordinal, $name, $unit, $count, $values);";
            foreach (var command in new[] { insert, metric, sample })
            {
                command.Transaction = transaction;
            }

            var id = 0L;
            foreach (var r in Records())
            {
                id++;
                var s = r.Subject;
                Set(insert, ("$id", id), ("$kind", r.Kind.ToString()), ("$startedAt", r.StartedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
                    ("$duration", r.Duration.TotalSeconds), ("$fingerprint", JsonSerializer.Serialize(r.Platform)), ("$model", r.ModelName!),
                    ("$parameters", JsonSerializer.Serialize(new SortedDictionary<string, string>(r.Parameters.ToDictionary(), StringComparer.Ordinal))),
                    ("$device", s.Device), ("$platform", s.Platform!), ("$subjectModel", s.Model!), ("$weights", s.Weights!), ("$runtime", s.Runtime!), ("$unit", s.Unit!), ("$key", r.IdempotencyKey));
                for (var i = 0; i < r.Metrics.Count; i++)
                {
                    Set(metric, ("$id", id), ("$ordinal", i), ("$name", r.Metrics[i].Name), ("$value", r.Metrics[i].Value), ("$unit", r.Metrics[i].Unit));
                }

                for (var i = 0; i < r.Samples.Count; i++)
                {
                    Set(sample, ("$id", id), ("$ordinal", i), ("$name", r.Samples[i].Name), ("$unit", r.Samples[i].Unit), ("$count", r.Samples[i].Values.Count), ("$values", ResultStorage.Pack(r.Samples[i].Values)));
                }
            }

            transaction.Commit();
            using var analyze = connection.CreateCommand();
            analyze.CommandText = "ANALYZE;";
            analyze.ExecuteNonQuery();
        }

        return SqliteLabStore.Open(path, Writer);
    }

    private static void Set(SqliteCommand command, params (string Name, object Value)[] values)
    {
        if (command.Parameters.Count == 0)
        {
            foreach (var (name, _) in values)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            command.Prepare();
        }

        foreach (var (name, value) in values)
        {
            command.Parameters[name].Value = value;
        }

        command.ExecuteNonQuery();
    }

    /// <summary>
    /// The store as the dashboard read it before: <see cref="IResultStore.LatestPerSubjectAsync"/> left to the interface's default
    /// implementation (this wrapper does not implement it), and every query reading raw samples.
    /// </summary>
    private sealed class AsBefore(ILabStore inner) : ILabStore
    {
        public IResultStore Results { get; } = new BeforeResults(inner.Results);

        public Task<LabDevice> RegisterDeviceAsync(LabDevice device, CancellationToken cancellationToken = default) => inner.RegisterDeviceAsync(device, cancellationToken);

        public Task<LabDevice?> FindDeviceAsync(string deviceId, CancellationToken cancellationToken = default) => inner.FindDeviceAsync(deviceId, cancellationToken);

        public Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default) => inner.ListDevicesAsync(cancellationToken);

        public Task TouchDeviceAsync(string deviceId, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.TouchDeviceAsync(deviceId, now, cancellationToken);

        public Task<IReadOnlyList<LabJob>> SubmitAsync(BenchmarkJob spec, JobTarget target, string submittedBy, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.SubmitAsync(spec, target, submittedBy, now, cancellationToken);

        public Task<LabJob?> FindJobAsync(long jobId, CancellationToken cancellationToken = default) => inner.FindJobAsync(jobId, cancellationToken);

        public Task<IReadOnlyList<LabJob>> ListJobsAsync(string? deviceId = null, JobState? state = null, int limit = 100, CancellationToken cancellationToken = default) => inner.ListJobsAsync(deviceId, state, limit, cancellationToken);

        public Task<bool> CancelAsync(long jobId, string reason, CancellationToken cancellationToken = default) => inner.CancelAsync(jobId, reason, cancellationToken);

        public Task<LabJob?> ClaimAsync(string deviceId, TimeSpan lease, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.ClaimAsync(deviceId, lease, now, cancellationToken);

        public Task<bool> RenewLeaseAsync(long jobId, string deviceId, TimeSpan lease, DateTimeOffset now, string? progress, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(jobId, deviceId, lease, now, progress, cancellationToken);

        public Task<bool> FinishAsync(long jobId, string deviceId, JobState outcome, IReadOnlyList<long> resultIds, string? message, CancellationToken cancellationToken = default) => inner.FinishAsync(jobId, deviceId, outcome, resultIds, message, cancellationToken);

        public Task<int> RequeueLapsedAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => inner.RequeueLapsedAsync(now, cancellationToken);

        public Task<(LabPrincipal Principal, string Secret)> CreateTokenAsync(string name, TokenRole role, CancellationToken cancellationToken = default) => inner.CreateTokenAsync(name, role, cancellationToken);

        public Task<LabPrincipal?> VerifyTokenAsync(string secret, CancellationToken cancellationToken = default) => inner.VerifyTokenAsync(secret, cancellationToken);

        public Task BindAgentTokenAsync(long tokenId, string deviceId, CancellationToken cancellationToken = default) => inner.BindAgentTokenAsync(tokenId, deviceId, cancellationToken);

        public Task<bool> RevokeTokenAsync(long tokenId, CancellationToken cancellationToken = default) => inner.RevokeTokenAsync(tokenId, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the seeded store lives for the process
    }

    private sealed class BeforeResults(IResultStore inner) : IResultStore
    {
        public Task<SaveOutcome> SaveAsync(MeasurementRecord record, CancellationToken cancellationToken = default) => inner.SaveAsync(record, cancellationToken);

        public Task<StoredMeasurement?> FindAsync(long id, CancellationToken cancellationToken = default) => inner.FindAsync(id, cancellationToken);

        public Task<IReadOnlyList<StoredMeasurement>> QueryAsync(ResultQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query with { WithSamples = true }, cancellationToken);

        public Task<long> CountAsync(ResultQuery query, CancellationToken cancellationToken = default) => inner.CountAsync(query, cancellationToken);

        public Task<int> SetGroupStatusAsync(string runGroup, RunStatus status, CancellationToken cancellationToken = default) => inner.SetGroupStatusAsync(runGroup, status, cancellationToken);
    }
}
