using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Lab;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Server.DashboardPages;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Server.DashboardTests;

/// <summary>
/// A lab seeded with devices (one named like a script), jobs in every state, results of each kind with raw samples, and tokens of
/// each role, served by the dashboard on Kestrel at 127.0.0.1 (a free port) under the strict CSP the server applies.
/// </summary>
public sealed class LabFixture : IAsyncLifetime
{
    public const string Evil = "<script>alert(1)</script>";
    public const string EvilLabel = "<img src=x onerror=alert(2)>";
    public const string Orin = "jetson-orin-nano-8gb";
    public const string Pi = "raspberry-pi-5";
    public const string Llm = "llama-3.2-1b";
    public const string Network = "yolov8s";
    public const int PageSize = 4;

    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private WebApplication? _app;

    internal InMemoryLabStore Store { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public string ReaderToken { get; private set; } = null!;

    public string AgentToken { get; private set; } = null!;

    public string AdminToken { get; private set; } = null!;

    public long LlmResult { get; private set; }

    public long OnnxResult { get; private set; }

    public long OnnxRerun { get; private set; }

    public long RooflineResult { get; private set; }

    public long EvilResult { get; private set; }

    public async Task InitializeAsync()
    {
        await SeedAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        // The server applies this policy to every response; the pages must work under it (no inline script or style).
        _app.Use(async (context, next) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'";
            await next(context);
        });
        var catalog = Catalog.Catalog.BuiltIn;
        var useCase = UseCaseYaml.Load(Path.Combine(TestModels.RepositoryRoot, "examples", "smart-camera.yaml"), catalog);
        _app.MapDashboard(Store, new DashboardOptions(catalog, [useCase]) { ResultsPageSize = PageSize });
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task SeedAsync()
    {
        ReaderToken = (await Store.CreateTokenAsync("rita", TokenRole.Reader)).Secret;
        AgentToken = (await Store.CreateTokenAsync("agent-orin", TokenRole.Agent)).Secret;
        AdminToken = (await Store.CreateTokenAsync("ada", TokenRole.Admin)).Secret;

        await Store.RegisterDeviceAsync(Device("dev-orin", "orin-1", Orin, ["jetson", "desk-2"], "Cortex-A78AE"));
        await Store.RegisterDeviceAsync(Device("dev-pi", "pi-5", Pi, ["pi"], "Cortex-A76"));
        await Store.RegisterDeviceAsync(Device("dev-evil", Evil, "<b>not-a-platform</b>", [EvilLabel], "Evil CPU"));

        var onnx = new BenchmarkJob(BenchmarkJobKind.Onnx, Network, "onnxruntime", "single-stream", new Dictionary<string, string>());
        var llm = new BenchmarkJob(BenchmarkJobKind.Llm, Llm, "llama.cpp", null, new Dictionary<string, string>());
        await Store.SubmitAsync(onnx, JobTarget.Device("dev-pi"), "ada", Start);
        await Store.SubmitAsync(llm, JobTarget.Device("dev-orin"), "ada", Start);
        var failing = (await Store.SubmitAsync(onnx, JobTarget.Device("dev-evil"), "ada", Start))[0];
        await Store.ClaimAsync("dev-evil", TimeSpan.FromMinutes(2), Start);
        await Store.FinishAsync(failing.Id, "dev-evil", JobState.Failed, [], "<b>model not found</b>");
        await Store.ClaimAsync("dev-orin", TimeSpan.FromMinutes(2), Start.AddMinutes(1));
        await Store.SubmitAsync(llm, JobTarget.Device("dev-pi"), "ada", Start.AddMinutes(2));

        RooflineResult = await SaveAsync(RooflineRecord("dev-orin", Orin, Start.AddHours(1)));
        LlmResult = await SaveAsync(LlmRecord("dev-orin", Orin, Start.AddHours(2), decode: 31.5));
        OnnxResult = await SaveAsync(OnnxRecord("dev-pi", Pi, Start.AddHours(3), p50: 120, threads: "4"));
        OnnxRerun = await SaveAsync(OnnxRecord("dev-pi", Pi, Start.AddHours(4), p50: 96, threads: "2"));
        EvilResult = await SaveAsync(OnnxRecord("dev-evil", null, Start.AddHours(5), p50: 10, threads: "1") with
        {
            Subject = new ResultSubject("dev-evil", "<b>not-a-platform</b>", "<i>evil-model</i>", null, "onnxruntime", "cpu"),
        });
        // Older runs of the same subjects, for the results list to page through; the matrix shows the newest only.
        for (var i = 1; i <= 3; i++)
        {
            await SaveAsync(LlmRecord("dev-orin", Orin, Start.AddMinutes(i), decode: 10 + i));
        }
    }

    private async Task<long> SaveAsync(MeasurementRecord record) => (await Store.Results.SaveAsync(record)).Id;

    private static LabDevice Device(string id, string name, string? platform, IReadOnlyList<string> labels, string cpu) =>
        new(id, name, platform, labels, Fingerprint(id, cpu),
            new DeviceCapabilities("arm64", 6, 8L << 30, [], new Dictionary<string, string> { ["onnxruntime"] = "1.23.2" }, [BenchmarkJobKind.Onnx, BenchmarkJobKind.Llm]),
            Start, Start.AddHours(6));

    private static PlatformFingerprint Fingerprint(string host, string cpu) =>
        new(cpu, "arm64", 6, 8L << 30, "Ubuntu 22.04 (Linux 5.15)", host, new Dictionary<string, string> { ["onnxruntime"] = "1.23.2", ["llama.cpp"] = "b6000" });

    private static RunManifest Manifest(string threads) =>
        new($"wpt bench onnx {Network} --threads {threads}", threads, "0-5", "performance", "1500", "1800", "Linux 5.15", "MAXN", new Dictionary<string, string> { [Network] = "abc123" });

    private static MeasurementRecord OnnxRecord(string device, string? platform, DateTimeOffset at, double p50, string threads)
    {
        var latencies = Enumerable.Range(0, 400).Select(i => p50 * (0.8 + (0.4 * ((i * 37) % 100) / 100.0))).ToArray();
        var issued = Enumerable.Range(0, 400).Select(i => i * 0.05).ToArray();
        return new MeasurementRecord(
            MeasurementKind.Onnx, at, TimeSpan.FromSeconds(20), Fingerprint(device, "Cortex-A76"), Network, "abc123",
            new Dictionary<string, string> { ["scenario"] = "single-stream", ["threads"] = threads, ["provider"] = "cpu" },
            [new Metric("latency.p90", p50 * 1.15, "ms"), new Metric("latency.p50", p50, "ms"), new Metric("throughput", 1000 / p50, "samples/s")],
            [
                new SampleSeries("latency", "ms", latencies, issued),
                new SampleSeries("throughput", "samples/s", [8, 8.2, 8.1, 7.9, 8.3], [4, 8, 12, 16, 20]),
                new SampleSeries("telemetry.temperature", "°C", [50, 52, 55, 56, 57], [4, 8, 12, 16, 20]),
            ])
        {
            Subject = new ResultSubject(device, platform, Network, "int8", "onnxruntime", "cpu"),
            Verdict = new RunVerdict("single-stream: ≥ 1024 queries, ≥ 600 s", [], ["variation 3 % across windows"], Quick: true),
            Manifest = Manifest(threads),
        };
    }

    private static MeasurementRecord LlmRecord(string device, string platform, DateTimeOffset at, double decode) =>
        new(MeasurementKind.Llm, at, TimeSpan.FromSeconds(60), Fingerprint(device, "Cortex-A78AE"), Llm, "def456",
            new Dictionary<string, string> { ["weights"] = "q4_0", ["gpu-layers"] = "99" },
            [new Metric("prefill.tokens-per-second", 900, "tok/s"), new Metric("decode.tokens-per-second", decode, "tok/s"), new Metric("ttft.mean", 140, "ms")],
            [
                new SampleSeries("tg128.seconds", "s", [4.1, 4.0, 4.05]),
                new SampleSeries("ttft", "ms", [139, 140, 141]),
                new SampleSeries("decode-by-context", "tok/s", [decode, decode * 0.95, decode * 0.85, decode * 0.7], [128, 512, 2048, 8192]),
            ])
        {
            Subject = new ResultSubject(device, platform, Llm, "q4_0", "llama.cpp", "gpu"),
        };

    private static MeasurementRecord RooflineRecord(string device, string platform, DateTimeOffset at) =>
        new(MeasurementKind.Roofline, at, TimeSpan.FromSeconds(90), Fingerprint(device, "Cortex-A78AE"), null, null,
            new Dictionary<string, string> { ["threads"] = "6" },
            [new Metric("dram.triad", 48, "GB/s"), new Metric("l1.triad", 400, "GB/s"), new Metric("l2.triad", 160, "GB/s"), new Metric("peak.fp32", 180, "GFLOPS"), new Metric("peak.int8", 700, "GOPS")],
            [new SampleSeries("bandwidth.triad", "GB/s", [400, 160, 48]), new SampleSeries("working-set", "bytes", [32768, 1048576, 1073741824])])
        {
            Subject = new ResultSubject(device, platform, null, null, null, null),
        };
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    public const string Name = "seeded lab";
}
