using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using WorkingPoint.Lab;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Server.Tests;

/// <summary>The real lab server on Kestrel at 127.0.0.1 on a free port, over a given store, with clients holding tokens of each role.</summary>
internal sealed class LabTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private LabTestServer(WebApplication app, ILabStore store, Uri address)
    {
        _app = app;
        Store = store;
        Address = address;
    }

    public ILabStore Store { get; }

    public Uri Address { get; }

    public static async Task<LabTestServer> StartAsync(ILabStore store, TimeSpan? lease = null, TimeSpan? requeueInterval = null)
    {
        var options = new LabServerOptions(store, "http://127.0.0.1:0")
        {
            Lease = lease ?? LabApi.DefaultLease,
            RequeueInterval = requeueInterval ?? TimeSpan.FromMinutes(10),
        };
        var app = LabServer.Build(options);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new LabTestServer(app, store, new Uri(address));
    }

    /// <summary>A client sending this secret as its bearer token; null: no Authorization header.</summary>
    public HttpClient Client(string? secret)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (secret is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        _clients.Add(client);
        return client;
    }

    public async Task<HttpClient> ClientWithRoleAsync(TokenRole role, string name = "test") => Client((await Store.CreateTokenAsync($"{name}-{role}".ToLowerInvariant(), role)).Secret);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>Requests and records as agents and users send them.</summary>
internal static class Lab
{
    public static StringContent Json<T>(T value) => Body(JsonSerializer.Serialize(value, ResultJson.Options));

    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<T>(text, ResultJson.Options)!;
    }

    public static async Task<string> ErrorAsync(this HttpResponseMessage response)
    {
        var error = JsonSerializer.Deserialize<ApiError>(await response.Content.ReadAsStringAsync(), ResultJson.Options);
        Assert.NotNull(error);
        Assert.False(string.IsNullOrWhiteSpace(error.Error));
        Assert.DoesNotContain('\n', error.Error);
        return error.Error;
    }

    public static PlatformFingerprint Fingerprint(string host) =>
        new("Test CPU 4000", "x64", 8, 16L * 1024 * 1024 * 1024, "Linux 6.1", host, new Dictionary<string, string> { ["onnxruntime"] = "1.23.2" });

    public static RegisterRequest Registration(string host, params string[] labels) => new(
        host, null, labels, Fingerprint(host),
        new DeviceCapabilities("x64", 8, 16L * 1024 * 1024 * 1024, [], new Dictionary<string, string> { ["onnxruntime"] = "1.23.2" }, [BenchmarkJobKind.Onnx, BenchmarkJobKind.Llm]));

    public static BenchmarkJob OnnxJob => new(BenchmarkJobKind.Onnx, "yolov8s", "onnxruntime", "single-stream", new Dictionary<string, string> { ["duration"] = "5" });

    public static MeasurementRecord Record(string host, double latencyMs = 12.5, int second = 0) => new(
        MeasurementKind.Onnx,
        new DateTimeOffset(2026, 12, 1, 12, 0, second, TimeSpan.Zero),
        TimeSpan.FromSeconds(10),
        Fingerprint(host),
        "yolov8s",
        new string('a', 64),
        new Dictionary<string, string> { ["scenario"] = "single-stream", ["provider"] = "cpu" },
        [new Metric("latency.p50", latencyMs, "ms")],
        [new SampleSeries("latency", "ms", [12.0, 12.5, 13.0])]);

    /// <summary>Registers the agent holding this client; its device.</summary>
    public static async Task<LabDevice> RegisterAsync(this HttpClient agent, string host, params string[] labels) =>
        await (await agent.PostAsync(LabApi.Register, Json(Registration(host, labels)))).ReadAsync<LabDevice>();
}
