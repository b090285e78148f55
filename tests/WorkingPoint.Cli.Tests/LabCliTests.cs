using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using WorkingPoint.Lab;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Results.Sqlite;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary>wpt agent, jobs and results push|pull against a small lab server in the test (the LabApi routes over an in-memory store).</summary>
public sealed class LabCliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "wpt-lab-cli-" + Guid.NewGuid().ToString("N"));
    private readonly MiniLabServer _server = new();

    public LabCliTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Runs wpt against the test's server; output lines the console wrapped are joined again (messages quote long temp paths).</summary>
    private (int ExitCode, string Output, string Errors) Lab(params string[] args)
    {
        var (code, output, errors) = Wpt.Run([.. args, "--server", _server.Url, "--token", "t0ken"]);
        return (code, System.Text.RegularExpressions.Regex.Replace(output, "\\s+", " "), errors);
    }

    private string Db(string name) => Path.Combine(_directory, name);

    private static MeasurementRecord Record(string model, int second) => new(
        MeasurementKind.Onnx,
        new DateTimeOffset(2026, 12, 1, 12, 0, second, TimeSpan.Zero),
        TimeSpan.FromSeconds(10),
        new PlatformFingerprint("Test CPU", "x64", 4, 8L << 30, "Linux", "desk", new Dictionary<string, string>()),
        model,
        null,
        new Dictionary<string, string> { ["scenario"] = "single-stream" },
        [new Metric("p90", 12.5, "ms")],
        [new SampleSeries("latency", "ms", [12.0, 13.0])]);

    [Fact]
    public void Jobs_submit_queues_a_job_with_its_parameters_and_jobs_list_shows_it()
    {
        _server.Register("dev-1", "jetson");

        var (code, output, errors) = Lab("jobs", "submit", "onnx", "yolov8n", "--label", "jetson", "--scenario", "all", "--param", "duration=10", "--param", "quick=true");

        Assert.True(code == 0, errors);
        Assert.Contains("dev-1", output, StringComparison.Ordinal);
        var job = Assert.Single(_server.Jobs());
        Assert.Equal(new BenchmarkJob(BenchmarkJobKind.Onnx, "yolov8n", null, "all", job.Spec.Parameters), job.Spec);
        Assert.Equal("10", job.Spec.Parameters["duration"]);
        Assert.Equal("true", job.Spec.Parameters["quick"]);

        var (listCode, list, _) = Lab("jobs", "list", "--state", "queued");
        Assert.Equal(0, listCode);
        Assert.Contains("yolov8n", list, StringComparison.Ordinal);
        Assert.Contains("queued", list, StringComparison.Ordinal);
        Assert.Equal("/api/v1/jobs?state=Queued&limit=50", _server.LastPath);
    }

    [Fact]
    public void Jobs_submit_to_a_label_no_device_carries_is_one_line_and_exit_2()
    {
        var (code, _, errors) = Lab("jobs", "submit", "onnx", "yolov8n", "--label", "nowhere");

        Assert.Equal(2, code);
        Assert.StartsWith("wpt: error: No device at", errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Jobs_cancel_cancels_a_queued_job()
    {
        _server.Register("dev-1", "jetson");
        Assert.Equal(0, Lab("jobs", "submit", "llm", "qwen2.5-0.5b", "--device", "dev-1").ExitCode);

        var (code, output, errors) = Lab("jobs", "cancel", "1");

        Assert.True(code == 0, errors);
        Assert.Contains("Job 1 is cancelled", output, StringComparison.Ordinal);
        Assert.Equal(JobState.Cancelled, Assert.Single(_server.Jobs()).State);
    }

    [Fact]
    public void Results_push_uploads_local_results_and_a_second_push_finds_them_all_there()
    {
        using (var store = new SqliteResultStore(Db("local.db")))
        {
            store.Save(Record("a", 1));
            store.Save(Record("b", 2));
        }

        var (code, output, errors) = Lab("results", "push", "--all", "--db", Db("local.db"));
        var (again, second, _) = Lab("results", "push", "--all", "--db", Db("local.db"));

        Assert.True(code == 0, errors);
        Assert.Contains("Pushed 2 results", output, StringComparison.Ordinal);
        Assert.Contains("2 new, 0 already there", output, StringComparison.Ordinal);
        Assert.Equal(0, again);
        Assert.Contains("0 new, 2 already there", second, StringComparison.Ordinal);
        Assert.Equal(2, _server.Results().Count);
    }

    [Fact]
    public void Results_push_sends_its_results_in_batches_of_100_and_reports_each_once()
    {
        using (var store = new SqliteResultStore(Db("local.db")))
        {
            for (var i = 0; i < 250; i++)
            {
                store.Save(Record("m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), i % 60));
            }
        }

        var (code, output, errors) = Wpt.Run(["results", "push", "--all", "--db", Db("local.db"), "--json", "--server", _server.Url, "--token", "t0ken"]);

        Assert.True(code == 0, errors);
        Assert.Equal(3, _server.Uploads);
        using var json = JsonDocument.Parse(output);
        var pushed = json.RootElement.GetProperty("pushed").EnumerateArray().Select(p => (Local: p.GetProperty("localId").GetInt64(), Server: p.GetProperty("serverId").GetInt64())).ToArray();
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), pushed.Select(p => p.Local));
        Assert.Equal(250, pushed.Select(p => p.Server).Distinct().Count());
        Assert.Equal(250, json.RootElement.GetProperty("newCount").GetInt32());
        Assert.Equal(250, _server.Results().Count);
    }

    [Fact]
    public void Results_pull_copies_the_servers_results_once()
    {
        _server.Save(Record("a", 1));
        _server.Save(Record("b", 2));

        var (code, output, errors) = Lab("results", "pull", "--db", Db("pulled.db"));
        var (_, second, _) = Lab("results", "pull", "--db", Db("pulled.db"));

        Assert.True(code == 0, errors);
        Assert.Contains("2 new, 0 already there", output, StringComparison.Ordinal);
        Assert.Contains("0 new, 2 already there", second, StringComparison.Ordinal);
        using var store = new SqliteResultStore(Db("pulled.db"));
        Assert.Equal(2, store.Count());
        Assert.All(store.List(), r => Assert.Equal(2, r.Record.Samples[0].Values.Count));
    }

    [Fact]
    public void Results_pull_pages_through_the_servers_results_and_stops_at_the_limit()
    {
        for (var i = 0; i < 130; i++)
        {
            // Saved in the order they were measured: pages go on by id while the listing is newest first by start time.
            _server.Save(Record("m" + i, 0) with { StartedAt = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero).AddMinutes(i) });
        }

        var (code, limited, errors) = Lab("results", "pull", "--limit", "5", "--db", Db("few.db"));
        var (_, all, _) = Lab("results", "pull", "--db", Db("all.db"));

        Assert.True(code == 0, errors);
        Assert.Contains("Pulled 5 results", limited, StringComparison.Ordinal);
        Assert.Contains("Pulled 130 results", all, StringComparison.Ordinal);
        using var store = new SqliteResultStore(Db("all.db"));
        Assert.Equal(130, store.Count());
    }

    [Fact]
    public void A_job_database_a_crash_left_behind_is_handed_to_the_outbox_once_and_removed()
    {
        var state = Path.Combine(_directory, "state");
        Directory.CreateDirectory(Path.Combine(state, "jobs"));
        var leftover = Path.Combine(state, "jobs", "job-0123.db");
        using (var store = new SqliteResultStore(leftover))
        {
            store.Save(Record("finished-before-the-crash", 1));
        }

        using var outbox = WorkingPoint.Lab.Agent.AgentOutbox.Open(state);
        var executor = new CliJobExecutor(WorkingPoint.Catalog.Catalog.BuiltIn, state);

        Assert.Equal(1, executor.RecoverLeftovers(outbox));
        Assert.False(File.Exists(leftover));
        Assert.Equal(0, executor.RecoverLeftovers(outbox));
        var (localId, _) = Assert.Single(outbox.Pending());
        Assert.Equal("finished-before-the-crash", outbox.Read(localId).ModelName);
    }

    [Fact]
    public void The_agent_with_once_registers_runs_one_job_through_the_bench_command_and_finishes_it_with_the_commands_error()
    {
        _server.Register(MiniLabServer.AgentDevice, "desk");
        _server.Submit(new BenchmarkJob(BenchmarkJobKind.Onnx, Path.Combine(_directory, "missing.onnx"), null, null, new Dictionary<string, string> { ["duration"] = "1" }), MiniLabServer.AgentDevice);

        var (code, _, errors) = Lab("agent", "--once", "--name", "board-7", "--label", "desk", "--state-dir", Path.Combine(_directory, "state"));

        Assert.True(code == 0, errors);
        Assert.Contains("wpt agent: registered as board-7", errors, StringComparison.Ordinal);
        Assert.Contains("wpt agent: claimed job 1: onnx", errors, StringComparison.Ordinal);
        var job = Assert.Single(_server.Jobs());
        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("missing.onnx", job.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_directory, "state", "outbox.db")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "state", "jobs")));
    }

    [Fact]
    public void The_agent_with_once_and_nothing_queued_exits_0()
    {
        var (code, _, errors) = Lab("agent", "--once", "--state-dir", Path.Combine(_directory, "state"));

        Assert.True(code == 0, errors);
        Assert.Contains("no job is queued", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jobs", "list", "--server", "lab:8080", "--token", "t")]
    [InlineData("jobs", "list", "--server", "http://lab.local:8080/api", "--token", "t")]
    [InlineData("jobs", "submit", "onnx", "yolov8n", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("jobs", "submit", "onnx", "yolov8n", "--device", "d", "--label", "l", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("jobs", "submit", "speed", "yolov8n", "--device", "d", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("jobs", "submit", "onnx", "yolov8n", "--device", "d", "--param", "duration", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("jobs", "list", "--state", "sleeping", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("jobs", "cancel", "x1", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("results", "push", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("agent", "--platform", "no-such-board", "--server", "http://127.0.0.1:1", "--token", "t")]
    [InlineData("agent", "--label", "two words", "--server", "http://127.0.0.1:1", "--token", "t")]
    public void Bad_lab_options_are_one_line_and_exit_2(params string[] args)
    {
        var (code, _, errors) = Wpt.Run(args);

        Assert.Equal(2, code);
        Assert.StartsWith("wpt: error: ", errors, StringComparison.Ordinal);
        Assert.Single(errors.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_server_that_cannot_be_reached_is_one_line_and_exit_2()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var (code, _, errors) = Wpt.Run("jobs", "list", "--server", $"http://127.0.0.1:{port}", "--token", "t");

        Assert.Equal(2, code);
        Assert.Contains("cannot be reached", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_token_is_one_line_naming_the_fix_and_exit_2()
    {
        _server.RefuseTokens = true;

        var (code, _, errors) = Lab("jobs", "list");

        Assert.Equal(2, code);
        Assert.Contains("refused the token", errors, StringComparison.Ordinal);
        Assert.Contains("--token", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BenchmarkJobKind.Onnx, "yolov8n", "all", "bench onnx yolov8n --scenario all --duration 10 --quick --db D")]
    [InlineData(BenchmarkJobKind.Llm, "model.gguf", null, "bench llm model.gguf --duration 10 --quick --db D")]
    [InlineData(BenchmarkJobKind.Roofline, null, null, "measure roofline --duration 10 --quick --db D")]
    [InlineData(BenchmarkJobKind.Mix, null, null, "bench mix --duration 10 --quick --db D")]
    [InlineData(BenchmarkJobKind.UseCase, null, "camera.yaml", "bench usecase camera.yaml --duration 10 --quick --db D")]
    public void A_job_runs_as_the_command_line_it_stands_for(BenchmarkJobKind kind, string? model, string? scenario, string expected)
    {
        var job = new BenchmarkJob(kind, model, null, scenario, new Dictionary<string, string> { ["quick"] = "true", ["duration"] = "10", ["sustained"] = "false" });

        Assert.Equal(expected, string.Join(' ', CliJobExecutor.CommandLineOf(job, "D")));
    }

    [Theory]
    [InlineData("db")]
    [InlineData("no-save")]
    [InlineData("--x")]
    [InlineData("Bad Name")]
    public void A_job_parameter_that_would_redirect_the_result_or_is_no_option_name_is_refused(string name)
    {
        var job = new BenchmarkJob(BenchmarkJobKind.Onnx, "yolov8n", null, null, new Dictionary<string, string> { [name] = "x" });

        Assert.Throws<WorkingPoint.Core.InvalidInputException>(() => CliJobExecutor.CommandLineOf(job, "D"));
    }

    [Fact]
    public void A_job_naming_another_kinds_runtime_is_refused()
    {
        var job = new BenchmarkJob(BenchmarkJobKind.Onnx, "yolov8n", "llama.cpp", null, new Dictionary<string, string>());

        var error = Assert.Throws<WorkingPoint.Core.InvalidInputException>(() => CliJobExecutor.CommandLineOf(job, "D"));

        Assert.Contains("onnxruntime", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The LabApi routes the CLI uses, over an in-memory lab store, on a local port: enough of wpt serve to test the clients.</summary>
internal sealed class MiniLabServer : IDisposable
{
    public const string AgentDevice = "agent-dev";

    private readonly HttpListener _listener = new();
    private readonly InMemoryLabStore _store = new();
    private readonly Task _serving;
    private int _uploads;

    public MiniLabServer()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public string? LastPath { get; private set; }

    /// <summary>How many upload requests (POST /results) the server answered.</summary>
    public int Uploads => Volatile.Read(ref _uploads);

    public bool RefuseTokens { get; set; }

    public void Register(string deviceId, string label)
    {
        var fingerprint = new PlatformFingerprint("cpu", "x64", 1, 0, "os", "host", new Dictionary<string, string>());
        _store.RegisterDeviceAsync(new LabDevice(deviceId, deviceId, null, [label], fingerprint, new DeviceCapabilities("x64", 1, 0, [], new Dictionary<string, string>(), []), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow)).GetAwaiter().GetResult();
    }

    public void Submit(BenchmarkJob job, string deviceId) => _store.SubmitAsync(job, JobTarget.Device(deviceId), "tester", DateTimeOffset.UtcNow).GetAwaiter().GetResult();

    public void Save(MeasurementRecord record) => _store.SaveAsync(record).GetAwaiter().GetResult();

    public IReadOnlyList<LabJob> Jobs() => _store.ListJobsAsync().GetAwaiter().GetResult();

    public IReadOnlyList<StoredMeasurement> Results() => _store.QueryAsync(ResultQuery.All).GetAwaiter().GetResult();

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var (status, body) = await HandleAsync(context.Request);
            context.Response.StatusCode = status;
            if (body is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body, body.GetType(), ResultJson.Options));
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
            }

            context.Response.Close();
        }
    }

    private async Task<(int Status, object? Body)> HandleAsync(HttpListenerRequest request)
    {
        LastPath = request.RawUrl;
        if (RefuseTokens || request.Headers["Authorization"] != "Bearer t0ken")
        {
            return (401, new ApiError("Unknown token."));
        }

        var path = request.Url!.AbsolutePath;
        var query = System.Web.HttpUtility.ParseQueryString(request.Url.Query);
        T Read<T>() => JsonSerializer.Deserialize<T>(new StreamReader(request.InputStream).ReadToEnd(), ResultJson.Options)!;
        var now = DateTimeOffset.UtcNow;
        switch (request.HttpMethod, path)
        {
            case ("POST", LabApi.Register):
                var registration = Read<RegisterRequest>();
                return (200, await _store.RegisterDeviceAsync(new LabDevice(AgentDevice, registration.Name, registration.Platform, registration.Labels, registration.Fingerprint, registration.Capabilities, now, now)));
            case ("POST", LabApi.Jobs):
                var submit = Read<SubmitRequest>();
                return (200, await _store.SubmitAsync(submit.Job, new JobTarget(submit.Device, submit.Label), "tester", now));
            case ("GET", LabApi.Jobs):
                return (200, await _store.ListJobsAsync(query["device"], query["state"] is { } s ? Enum.Parse<JobState>(s) : null, int.Parse(query["limit"] ?? "100", System.Globalization.CultureInfo.InvariantCulture)));
            case ("POST", LabApi.Claim):
                return await _store.ClaimAsync(AgentDevice, LabApi.DefaultLease, now) is { } claimed ? (200, claimed) : (204, null);
            case ("POST", LabApi.Results):
                Interlocked.Increment(ref _uploads);
                return (200, new UploadResponse(await _store.SaveManyAsync(Read<UploadRequest>().Records)));
            case ("GET", LabApi.Results):
                var before = query["before"] is { } b ? long.Parse(b, System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
                var limit = query["limit"] is { } l ? int.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : 100;
                return (200, await _store.QueryAsync(new ResultQuery(Limit: limit, BeforeId: before)));
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 4 && long.TryParse(parts[3], out var id))
        {
            switch (request.HttpMethod, parts[2], parts.Length > 4 ? parts[4] : null)
            {
                case ("GET", "jobs", null):
                    return await _store.FindJobAsync(id) is { } job ? (200, job) : (404, new ApiError($"No job {id}."));
                case ("POST", "jobs", "cancel"):
                    await _store.CancelAsync(id, "cancelled by tester");
                    return (200, null);
                case ("POST", "jobs", "heartbeat"):
                    return await _store.RenewLeaseAsync(id, AgentDevice, LabApi.DefaultLease, now, Read<HeartbeatRequest>().Progress) ? (200, null) : (409, new ApiError("not yours"));
                case ("POST", "jobs", "finish"):
                    var finish = Read<FinishRequest>();
                    return await _store.FinishAsync(id, AgentDevice, finish.Outcome, finish.ResultIds, finish.Message) ? (200, null) : (409, new ApiError("not yours"));
                case ("GET", "results", null):
                    return await _store.FindAsync(id) is { } result ? (200, result) : (404, new ApiError($"No result {id}."));
            }
        }

        return (404, new ApiError($"No route {request.HttpMethod} {path}."));
    }
}
