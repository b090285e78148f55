using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using WorkingPoint.Lab;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Server.DashboardPages;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Server.DashboardTests;

/// <summary>
/// The matrix for agents on hardware the catalog does not know (what <c>wpt agent</c> registers without --platform): their results get a
/// row of their own device, predicted on the device's uploaded roofline, instead of being left out of the matrix.
/// </summary>
public sealed class MeasuredDeviceMatrixTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private WebApplication? _app;
    private string _reader = null!;

    private InMemoryLabStore Store { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapDashboard(Store, new DashboardOptions(Catalog.Catalog.BuiltIn, []));
        await _app.StartAsync();
        _reader = (await Store.CreateTokenAsync("rita", TokenRole.Reader)).Secret;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_device_without_a_catalog_platform_is_predicted_on_its_own_measured_roofline()
    {
        await RegisterAsync("dev-a", "board-a");
        await Store.Results.SaveAsync(Roofline("dev-a", Start));
        var llm = (await Store.Results.SaveAsync(Llm("dev-a", platform: null, Start.AddMinutes(5), decode: 12.5))).Id;

        var html = await MatrixAsync();

        Assert.Contains("<th class=\"model\">qwen2.5-0.5b</th>", html, StringComparison.Ordinal); // the catalog id, not the file's description
        var row = Regex.Match(html, "<tr><th>board-a \\(device, measured\\)</th>.*?</tr>").Value;
        Assert.Contains($"<a href=\"/results/{llm}\">12.5 tok/s</a>", row, StringComparison.Ordinal);
        Assert.Matches("predicted [0-9.]+ tok/s</span><br><span class=\"error\">error [+-]?[0-9]+ %", row);
    }

    [Fact]
    public async Task A_device_that_says_host_is_placed_by_device_too_and_without_a_roofline_says_how_to_get_a_prediction()
    {
        await RegisterAsync("dev-b", "board-b");
        await Store.Results.SaveAsync(Llm("dev-b", platform: "host", Start, decode: 9));

        var html = await MatrixAsync();

        var row = Regex.Match(html, "<tr><th>board-b \\(device, measured\\)</th>.*?</tr>").Value;
        Assert.Contains("9 tok/s", row, StringComparison.Ordinal);
        Assert.Contains("predicted —", row, StringComparison.Ordinal);
        Assert.Contains("wpt jobs submit roofline", row, StringComparison.Ordinal);
    }

    [Fact]
    public void A_roofline_result_becomes_the_platform_its_run_wrote_as_host_yaml()
    {
        var figures = new LabFigures(Catalog.Catalog.BuiltIn);

        var platform = figures.MeasuredPlatform(new StoredMeasurement(7, Roofline("dev-a", Start)))!;

        Assert.True(platform.HasAnyPeak);
        Assert.Equal(32, platform.OnChip.Capacity!.Value.MiB, 6); // L3 16 MiB × 2, the deepest cache measured
        Assert.Equal(120, platform.OnChip.Bandwidth!.Value.GBps, 6);
        Assert.Null(figures.MeasuredPlatform(new StoredMeasurement(8, Roofline("dev-a", Start) with { Parameters = new Dictionary<string, string>() })));
    }

    private async Task<string> MatrixAsync()
    {
        using var client = new HttpClient { BaseAddress = new Uri(_app!.Urls.First()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _reader);
        return await client.GetStringAsync(DashboardRoutes.Matrix);
    }

    private async Task RegisterAsync(string id, string name) => await Store.RegisterDeviceAsync(new LabDevice(
        id, name, null, ["demo"], Fingerprint(id),
        new DeviceCapabilities("x86_64", 8, 16L << 30, [], new Dictionary<string, string> { ["llama.cpp"] = "b6000" }, [BenchmarkJobKind.Llm, BenchmarkJobKind.Roofline]),
        Start, Start));

    private static PlatformFingerprint Fingerprint(string host) =>
        new("AMD EPYC \"Milan\"", "x86_64", 8, 16L << 30, "Linux 6.1", host, new Dictionary<string, string>());

    // What RooflineBenchmarkRunner uploads (HostRoofline.ToRecord): bandwidths per level, peaks, and the caches it found.
    private static MeasurementRecord Roofline(string device, DateTimeOffset at) =>
        new(MeasurementKind.Roofline, at, TimeSpan.FromSeconds(30), Fingerprint(device), null, null,
            new Dictionary<string, string> { ["threads"] = "8", ["fp32-path"] = "avx2-fma", ["int8-path"] = "avx2-vpmaddubsw", ["caches"] = "L1 32 KiB ×8, L2 512 KiB ×8, L3 16 MiB ×2" },
            [new Metric("dram.triad", 20, "GB/s"), new Metric("l1.triad", 600, "GB/s"), new Metric("l2.triad", 300, "GB/s"), new Metric("l3.triad", 120, "GB/s"), new Metric("peak.fp32", 400, "GFLOPS"), new Metric("peak.int8", 1600, "GOPS")],
            [])
        {
            Subject = new ResultSubject(device, null, null, null, null, null),
        };

    // What `bench llm qwen2.5-0.5b` records for a synthesized catalog model, with the subject the agent uploads (its device id, its --platform if any).
    private static MeasurementRecord Llm(string device, string? platform, DateTimeOffset at, double decode)
    {
        var record = new MeasurementRecord(MeasurementKind.Llm, at, TimeSpan.FromSeconds(20), Fingerprint(device), "qwen2.5-0.5b q4_0 (synthetic, random weights)", "abc",
            new Dictionary<string, string> { ["weights"] = "q4_0", ["gpu-layers"] = "0", [ResultSubject.CatalogModelParameter] = "qwen2.5-0.5b" },
            [new Metric("prefill.tokens-per-second", 200, "tok/s"), new Metric("decode.tokens-per-second", decode, "tok/s")],
            []);
        return record with { Subject = ResultSubject.Of(record) with { Device = device, Platform = platform } };
    }
}
