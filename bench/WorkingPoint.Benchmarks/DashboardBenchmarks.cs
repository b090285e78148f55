using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using WorkingPoint.Lab;
using WorkingPoint.Results;
using WorkingPoint.Server;
using WorkingPoint.Server.DashboardPages;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Benchmarks;

/// <summary>
/// The lab dashboard's heaviest pages with <see cref="StoredResults"/> results stored (issue 13's target: ≤ 200 ms server time each):
/// the platforms × models matrix (the newest result per subject, one grouped query, then a cached prediction per cell) and the
/// first page of the results list and one filtered by model (a page of 50 and a count). One operation is one GET over loopback
/// with a reader token. Over <see cref="InMemoryLabStore"/> this times the dashboard's own work on top of a store that scans
/// a list; the figure that matters is the same benchmark over PostgreSQL (swap the store in <see cref="Setup"/>).
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet's [GlobalCleanup] disposes the client and the server.")]
public class DashboardBenchmarks
{
    public const int StoredResults = 100_000;

    private static readonly string[] Platforms = ["jetson-orin-nano-8gb", "jetson-orin-nx-16gb", "jetson-agx-orin-64gb", "raspberry-pi-5", "rk3588", "apple-m4", "hailo-8", "unknown-board"];
    private static readonly string[] Llms = ["llama-3.2-1b", "llama-3.2-3b", "qwen2.5-1.5b", "qwen3-4b", "gemma-3-1b", "phi-4-mini"];
    private static readonly string[] Networks = ["yolov8s", "resnet50", "mobilenetv2", "espcn-x2"];

    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [GlobalSetup]
    public void Setup()
    {
        var store = new InMemoryLabStore();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var fingerprint = new PlatformFingerprint("bench CPU", "arm64", 8, 8L << 30, "Linux", "bench", new Dictionary<string, string>());
        var random = new Random(13);
        for (var i = 0; i < StoredResults; i++)
        {
            var platform = Platforms[i % Platforms.Length];
            var llm = random.Next(2) == 0;
            var model = llm ? Llms[random.Next(Llms.Length)] : Networks[random.Next(Networks.Length)];
            var metrics = llm
                ? new[] { new Metric("decode.tokens-per-second", 5 + (random.NextDouble() * 40), "tok/s"), new Metric("prefill.tokens-per-second", 300, "tok/s") }
                : [new Metric("latency.p90", 20, "ms"), new Metric("latency.p50", 5 + (random.NextDouble() * 100), "ms")];
            var record = new MeasurementRecord(llm ? MeasurementKind.Llm : MeasurementKind.Onnx, start.AddSeconds(i), TimeSpan.FromSeconds(30), fingerprint, model, null,
                new Dictionary<string, string> { ["run"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, metrics,
                [new SampleSeries(llm ? "ttft" : "latency", "ms", Enumerable.Range(0, 100).Select(j => 10.0 + j).ToArray())])
            {
                Subject = new ResultSubject($"device-{i % 24}", platform, model, llm ? "q4_0" : "int8", llm ? "llama.cpp" : "onnxruntime", "cpu"),
            };
            store.Results.SaveAsync(record).GetAwaiter().GetResult();
        }

        var reader = store.CreateTokenAsync("bench", TokenRole.Reader).GetAwaiter().GetResult().Secret;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapDashboard(store, new DashboardOptions(Catalog.Catalog.BuiltIn, []));
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
}
