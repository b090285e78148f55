using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkingPoint.Lab;
using WorkingPoint.Results;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Server.Tests;

/// <summary>The API over the in-memory store; the same tests run over the PostgreSQL and SQLite stores by deriving from <see cref="LabApiTests"/>.</summary>
public sealed class LabApiOverInMemoryStoreTests : LabApiTests
{
    protected override ILabStore CreateStore() => new InMemoryLabStore();
}

/// <summary>The lab API end to end on a real Kestrel server: the agent's loop, validation and limits, idempotency, the lease requeuer, the OpenAPI document and the headers.</summary>
public abstract class LabApiTests
{
    protected abstract ILabStore CreateStore();

    private Task<LabTestServer> StartAsync(TimeSpan? lease = null, TimeSpan? requeueInterval = null) => LabTestServer.StartAsync(CreateStore(), lease, requeueInterval);

    [Fact]
    public async Task An_agent_registers_claims_heartbeats_uploads_and_finishes_a_submitted_job()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent, "board");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter, "ana");

        var device = await agent.RegisterAsync("orin-1", "jetson");
        var submitted = await (await user.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, null, "jetson")))).ReadAsync<LabJob[]>();
        var job = Assert.Single(submitted);
        Assert.Equal((device.Id, JobState.Queued, "ana-submitter"), (job.DeviceId, job.State, job.SubmittedBy));

        var claimed = await (await agent.PostAsync(LabApi.Claim, null)).ReadAsync<LabJob>();
        Assert.Equal((job.Id, JobState.Running, 1), (claimed.Id, claimed.State, claimed.Attempts));
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync(LabApi.Claim, null)).StatusCode);

        var beaten = await (await agent.PostAsync(LabApi.Heartbeat(job.Id), Lab.Json(new HeartbeatRequest("warm-up done")))).ReadAsync<LabJob>();
        Assert.Equal("warm-up done", beaten.Message);

        var upload = await (await agent.PostAsync(LabApi.Results, Lab.Json(new UploadRequest([Lab.Record("orin-1")])))).ReadAsync<UploadResponse>();
        var saved = Assert.Single(upload.Saved);
        Assert.True(saved.Created);

        var finished = await (await agent.PostAsync(LabApi.Finish(job.Id), Lab.Json(new FinishRequest(JobState.Succeeded, [saved.Id], null)))).ReadAsync<LabJob>();
        Assert.Equal((JobState.Succeeded, saved.Id), (finished.State, Assert.Single(finished.ResultIds)));

        var reader = await server.ClientWithRoleAsync(TokenRole.Reader);
        var stored = await (await reader.GetAsync(LabApi.Result(saved.Id))).ReadAsync<StoredMeasurement>();
        Assert.Equal(device.Id, stored.Record.Subject.Device);
        Assert.Equal([12.0, 12.5, 13.0], Assert.Single(stored.Record.Samples).Values);
        var listed = await (await reader.GetAsync($"{LabApi.Results}?device={device.Id}&kind=onnx")).ReadAsync<StoredMeasurement[]>();
        Assert.Equal(saved.Id, Assert.Single(listed).Id);
        Assert.Equal(JobState.Succeeded, (await (await reader.GetAsync(LabApi.Job(job.Id))).ReadAsync<LabJob>()).State);
        Assert.Equal(device.Id, Assert.Single(await (await reader.GetAsync(LabApi.Devices)).ReadAsync<LabDevice[]>()).Id);
    }

    [Fact]
    public async Task A_device_id_is_derived_from_the_fingerprint_and_stays_the_same_when_the_agent_registers_again()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        var first = await agent.RegisterAsync("Orin Nano #1");
        var again = await agent.RegisterAsync("Orin Nano #1", "desk-2");

        Assert.Matches("^orin-nano-1-[0-9a-f]{8}$", first.Id);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(["desk-2"], (await server.Store.FindDeviceAsync(first.Id))!.Labels);
    }

    [Fact]
    public async Task An_agent_token_bound_to_one_device_cannot_register_another()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        await agent.RegisterAsync("board-a");

        var response = await agent.PostAsync(LabApi.Register, Lab.Json(Lab.Registration("board-b")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("its own agent token", await response.ErrorAsync(), StringComparison.Ordinal);
        Assert.Single(await server.Store.ListDevicesAsync());
    }

    [Fact]
    public async Task An_agent_cannot_post_results_or_touch_jobs_as_another_device()
    {
        await using var server = await StartAsync();
        var agentA = await server.ClientWithRoleAsync(TokenRole.Agent, "a");
        var agentB = await server.ClientWithRoleAsync(TokenRole.Agent, "b");
        await agentA.RegisterAsync("board-a");
        var deviceB = await agentB.RegisterAsync("board-b");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var job = Assert.Single(await (await user.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, deviceB.Id, null)))).ReadAsync<LabJob[]>());
        await (await agentB.PostAsync(LabApi.Claim, null)).ReadAsync<LabJob>();

        var asB = Lab.Record("board-a") with { Subject = ResultSubject.Of(Lab.Record("board-a")) with { Device = deviceB.Id } };
        var otherHost = Lab.Record("board-b");
        var upload = await agentA.PostAsync(LabApi.Results, Lab.Json(new UploadRequest([asB])));
        var uploadOtherHost = await agentA.PostAsync(LabApi.Results, Lab.Json(new UploadRequest([otherHost])));
        var heartbeat = await agentA.PostAsync(LabApi.Heartbeat(job.Id), Lab.Json(new HeartbeatRequest(null)));
        var finish = await agentA.PostAsync(LabApi.Finish(job.Id), Lab.Json(new FinishRequest(JobState.Failed, [], "not mine")));

        Assert.Equal(
            [HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden],
            [upload.StatusCode, uploadOtherHost.StatusCode, heartbeat.StatusCode, finish.StatusCode]);
        Assert.Contains(deviceB.Id, await upload.ErrorAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await server.Store.Results.CountAsync(ResultQuery.All));
        Assert.Equal(JobState.Running, (await server.Store.FindJobAsync(job.Id))!.State);
    }

    [Fact]
    public async Task An_agent_cannot_finish_a_job_with_result_ids_of_another_device()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        var device = await agent.RegisterAsync("board-a");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var pushed = Assert.Single((await (await user.PostAsync(LabApi.Results, Lab.Json(new UploadRequest([Lab.Record("laptop")])))).ReadAsync<UploadResponse>()).Saved);
        var job = Assert.Single(await (await user.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, device.Id, null)))).ReadAsync<LabJob[]>());
        await (await agent.PostAsync(LabApi.Claim, null)).ReadAsync<LabJob>();

        var finish = await agent.PostAsync(LabApi.Finish(job.Id), Lab.Json(new FinishRequest(JobState.Succeeded, [pushed.Id], null)));

        Assert.Equal(HttpStatusCode.BadRequest, finish.StatusCode);
        Assert.Equal(JobState.Running, (await server.Store.FindJobAsync(job.Id))!.State);
    }

    [Fact]
    public async Task Uploading_the_same_record_twice_stores_one_copy_and_returns_its_id()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        await agent.RegisterAsync("board-a");
        var records = new UploadRequest([Lab.Record("board-a", second: 1), Lab.Record("board-a", second: 2)]);

        var first = await (await agent.PostAsync(LabApi.Results, Lab.Json(records))).ReadAsync<UploadResponse>();
        var retry = await (await agent.PostAsync(LabApi.Results, Lab.Json(records))).ReadAsync<UploadResponse>();

        Assert.All(first.Saved, s => Assert.True(s.Created));
        Assert.All(retry.Saved, s => Assert.False(s.Created));
        Assert.Equal(first.Saved.Select(s => s.Id), retry.Saved.Select(s => s.Id));
        Assert.Equal(2, await server.Store.Results.CountAsync(ResultQuery.All));
    }

    [Fact]
    public async Task A_batch_of_new_known_and_repeated_records_is_answered_in_order_with_one_id_per_record()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        await agent.RegisterAsync("board-a");
        var known = Assert.Single((await (await agent.PostAsync(LabApi.Results, Lab.Json(new UploadRequest([Lab.Record("board-a", second: 1)])))).ReadAsync<UploadResponse>()).Saved);

        var batch = new UploadRequest([Lab.Record("board-a", second: 2), Lab.Record("board-a", second: 1), Lab.Record("board-a", second: 3), Lab.Record("board-a", second: 2)]);
        var saved = (await (await agent.PostAsync(LabApi.Results, Lab.Json(batch))).ReadAsync<UploadResponse>()).Saved;

        Assert.Equal([true, false, true, false], saved.Select(s => s.Created));
        Assert.Equal(known.Id, saved[1].Id);
        Assert.Equal(saved[0].Id, saved[3].Id);
        Assert.Equal(3, saved.Select(s => s.Id).Distinct().Count());
        var reader = await server.ClientWithRoleAsync(TokenRole.Reader);
        foreach (var (outcome, sent) in saved.Zip(batch.Records))
        {
            var stored = await (await reader.GetAsync(LabApi.Result(outcome.Id))).ReadAsync<StoredMeasurement>();
            Assert.Equal(sent.StartedAt, stored.Record.StartedAt);
        }

        Assert.Equal(3, await server.Store.Results.CountAsync(ResultQuery.All));
    }

    [Fact]
    public async Task A_batch_with_one_record_of_another_host_is_refused_whole_and_stores_nothing()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        await agent.RegisterAsync("board-a");

        var response = await agent.PostAsync(LabApi.Results, Lab.Json(new UploadRequest([Lab.Record("board-a", second: 1), Lab.Record("board-a", second: 2), Lab.Record("board-b", second: 3)])));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("records[2]", await response.ErrorAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await server.Store.Results.CountAsync(ResultQuery.All));
    }

    public static TheoryData<string, string> BadUploads()
    {
        var valid = JsonSerializer.Serialize(new UploadRequest([Lab.Record("board-a", latencyMs: 12.5)]), ResultJson.Options);
        return new TheoryData<string, string>
        {
            { "truncated JSON", valid[..(valid.Length / 2)] },
            { "a NaN metric", valid.Replace("\"value\":12.5", "\"value\":\"NaN\"", StringComparison.Ordinal) },
            { "an Infinity metric", valid.Replace("\"value\":12.5", "\"value\":\"Infinity\"", StringComparison.Ordinal) },
            { "an out-of-range metric", valid.Replace("\"value\":12.5", "\"value\":1e999", StringComparison.Ordinal) },
            { "a NaN sample", valid.Replace("[12,12.5,13]", "[12,\"NaN\",13]", StringComparison.Ordinal) },
            { "a record without its fingerprint", Without(valid, "platform") },
            { "a record without metrics", Without(valid, "metrics") },
            { "an unknown kind", valid.Replace("\"kind\":\"Onnx\"", "\"kind\":\"Quantum\"", StringComparison.Ordinal) },
            { "a kind given as a number", valid.Replace("\"kind\":\"Onnx\"", "\"kind\":42", StringComparison.Ordinal) },
            { "no records", "{\"records\":[]}" },
            { "a JSON null", "null" },
            { "an empty body", "" },
        };
    }

    private static string Without(string json, string field)
    {
        var node = JsonNode.Parse(json)!;
        node["records"]![0]!.AsObject().Remove(field);
        return node.ToJsonString();
    }

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task A_malformed_upload_is_refused_with_400_and_stores_nothing(string problem, string body)
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        await agent.RegisterAsync("board-a");

        var response = await agent.PostAsync(LabApi.Results, Lab.Body(body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{problem}: {(int)response.StatusCode}");
        await response.ErrorAsync();
        Assert.Equal(0, await server.Store.Results.CountAsync(ResultQuery.All));
    }

    [Fact]
    public async Task A_NaN_metric_is_refused_naming_the_field()
    {
        await using var server = await StartAsync();
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var body = JsonSerializer.Serialize(new UploadRequest([Lab.Record("board-a")]), ResultJson.Options).Replace("\"value\":12.5", "\"value\":\"NaN\"", StringComparison.Ordinal);

        var response = await user.PostAsync(LabApi.Results, Lab.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.ErrorAsync();
        Assert.Contains("$.records[0].metrics[0].value", error, StringComparison.Ordinal);
        Assert.Contains("NaN", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upload_of_more_records_than_the_limit_is_refused_with_413_and_stores_nothing()
    {
        await using var server = await StartAsync();
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var records = Enumerable.Range(0, LabApi.MaxRecordsPerUpload + 1).Select(i => Lab.Record("laptop", latencyMs: i + 1)).ToList();

        var response = await user.PostAsync(LabApi.Results, Lab.Json(new UploadRequest(records)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("batches", await response.ErrorAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await server.Store.Results.CountAsync(ResultQuery.All));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_size_limit_is_refused_with_413_streamed_or_declared_and_stores_nothing(bool declaredLength)
    {
        await using var server = await StartAsync();
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        using var request = new HttpRequestMessage(HttpMethod.Post, LabApi.Results) { Content = new OversizedContent(LabApi.MaxRequestBytes + 1, declaredLength) };
        // As curl does for big bodies: the server may refuse before the body is sent, and the client reads that refusal instead of writing into a closed connection.
        request.Headers.ExpectContinue = true;

        var response = await user.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("MiB", await response.ErrorAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await server.Store.Results.CountAsync(ResultQuery.All));
    }

    [Fact]
    public async Task A_job_of_an_unknown_kind_is_refused_naming_the_known_kinds_and_queues_nothing()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        var device = await agent.RegisterAsync("board-a");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var body = JsonSerializer.Serialize(new SubmitRequest(Lab.OnnxJob, device.Id, null), ResultJson.Options).Replace("\"kind\":\"Onnx\"", "\"kind\":\"teleport\"", StringComparison.Ordinal);

        var response = await user.PostAsync(LabApi.Jobs, Lab.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.ErrorAsync();
        Assert.Contains("teleport", error, StringComparison.Ordinal);
        Assert.Contains("onnx", error, StringComparison.Ordinal);
        Assert.Empty(await server.Store.ListJobsAsync());
    }

    [Fact]
    public async Task A_job_written_as_in_the_docs_with_lower_case_names_is_queued()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        await agent.RegisterAsync("board-a", "jetson");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);

        var response = await user.PostAsync(LabApi.Jobs, Lab.Body("{\"job\": {\"kind\": \"usecase\", \"scenario\": \"robot.yaml\", \"parameters\": {\"duration\": \"10\"}}, \"label\": \"jetson\"}"));

        var job = Assert.Single(await response.ReadAsync<LabJob[]>());
        Assert.Equal(WorkingPoint.Measurement.Jobs.BenchmarkJobKind.UseCase, job.Spec.Kind);
    }

    public static TheoryData<string, string> BadSubmissions() => new()
    {
        { "both a device and a label", "{\"job\":{\"kind\":\"onnx\",\"model\":\"yolov8s\",\"parameters\":{}},\"device\":\"DEVICE\",\"label\":\"jetson\"}" },
        { "neither a device nor a label", "{\"job\":{\"kind\":\"onnx\",\"model\":\"yolov8s\",\"parameters\":{}}}" },
        { "an onnx job without a model", "{\"job\":{\"kind\":\"onnx\",\"parameters\":{}},\"device\":\"DEVICE\"}" },
        { "a parameter that is no option name", "{\"job\":{\"kind\":\"onnx\",\"model\":\"m\",\"parameters\":{\"--rm -rf\":\"1\"}},\"device\":\"DEVICE\"}" },
        { "a kind given as a number", "{\"job\":{\"kind\":3,\"model\":\"m\",\"parameters\":{}},\"device\":\"DEVICE\"}" },
        { "no job", "{\"device\":\"DEVICE\"}" },
        { "a bad label", "{\"job\":{\"kind\":\"onnx\",\"model\":\"m\",\"parameters\":{}},\"label\":\"<script>\"}" },
    };

    [Theory]
    [MemberData(nameof(BadSubmissions))]
    public async Task A_job_with_bad_parameters_is_refused_with_400_and_queues_nothing(string problem, string body)
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        var device = await agent.RegisterAsync("board-a", "jetson");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);

        var response = await user.PostAsync(LabApi.Jobs, Lab.Body(body.Replace("DEVICE", device.Id, StringComparison.Ordinal)));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{problem}: {(int)response.StatusCode}");
        await response.ErrorAsync();
        Assert.Empty(await server.Store.ListJobsAsync());
    }

    [Fact]
    public async Task A_job_for_an_unknown_device_or_an_unused_label_is_404_and_queues_nothing()
    {
        await using var server = await StartAsync();
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);

        var toDevice = await user.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, "nowhere-00000000", null)));
        var toLabel = await user.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, null, "nobody")));

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound], [toDevice.StatusCode, toLabel.StatusCode]);
        Assert.Contains("nobody", await toLabel.ErrorAsync(), StringComparison.Ordinal);
        Assert.Empty(await server.Store.ListJobsAsync());
    }

    [Fact]
    public async Task A_cancelled_job_answers_the_agents_heartbeat_with_409()
    {
        await using var server = await StartAsync();
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        var device = await agent.RegisterAsync("board-a");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var job = Assert.Single(await (await user.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, device.Id, null)))).ReadAsync<LabJob[]>());
        await (await agent.PostAsync(LabApi.Claim, null)).ReadAsync<LabJob>();

        var cancelled = await (await user.PostAsync(LabApi.Cancel(job.Id), null)).ReadAsync<LabJob>();
        var heartbeat = await agent.PostAsync(LabApi.Heartbeat(job.Id), Lab.Json(new HeartbeatRequest("50 %")));
        var again = await user.PostAsync(LabApi.Cancel(job.Id), null);

        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.Equal([HttpStatusCode.Conflict, HttpStatusCode.Conflict], [heartbeat.StatusCode, again.StatusCode]);
        await heartbeat.ErrorAsync();
    }

    [Fact]
    public async Task A_lapsed_lease_is_returned_to_the_queue_by_the_server_without_any_claim()
    {
        await using var server = await StartAsync(lease: TimeSpan.FromMilliseconds(200), requeueInterval: TimeSpan.FromMilliseconds(100));
        var agent = await server.ClientWithRoleAsync(TokenRole.Agent);
        var device = await agent.RegisterAsync("board-a");
        var user = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var job = Assert.Single(await (await user.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, device.Id, null)))).ReadAsync<LabJob[]>());
        await (await agent.PostAsync(LabApi.Claim, null)).ReadAsync<LabJob>();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        LabJob? seen;
        do
        {
            await Task.Delay(50);
            seen = await server.Store.FindJobAsync(job.Id);
        }
        while (seen!.State != JobState.Queued && DateTime.UtcNow < deadline);

        Assert.Equal((JobState.Queued, 1), (seen.State, seen.Attempts));
    }

    [Fact]
    public async Task The_OpenAPI_document_is_served_without_a_token_and_lists_every_route_and_the_bearer_scheme()
    {
        await using var server = await StartAsync();
        using var anonymous = server.Client(null);

        var document = JsonNode.Parse(await anonymous.GetStringAsync(LabApi.OpenApi))!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        string Template(string route) => route.Replace("/1", "/{id}", StringComparison.Ordinal);
        string[] routes =
        [
            LabApi.Register, LabApi.Devices, LabApi.Jobs, LabApi.Claim, Template(LabApi.Job(1)), Template(LabApi.Cancel(1)), Template(LabApi.Heartbeat(1)),
            Template(LabApi.Finish(1)), LabApi.Results, Template(LabApi.Result(1)), LabApi.Tokens, Template(LabApi.Token(1)), LabApi.Health,
        ];
        Assert.All(routes, route => Assert.Contains(route, paths));
        Assert.Equal("bearer", (string?)document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]);
        Assert.NotNull(document["paths"]![LabApi.Results]!["post"]!["security"]);
    }

    [Fact]
    public async Task Health_answers_ok_without_a_token()
    {
        await using var server = await StartAsync();
        using var anonymous = server.Client(null);

        Assert.Equal("ok", await anonymous.GetStringAsync(LabApi.Health));
    }

    [Theory]
    [InlineData(LabApi.Health, HttpStatusCode.OK)]
    [InlineData(LabApi.Devices, HttpStatusCode.OK)]
    [InlineData(LabApi.Jobs + "/999", HttpStatusCode.NotFound)]
    [InlineData(LabApi.Prefix + "/nothing-here", HttpStatusCode.NotFound)]
    [InlineData(LabApi.OpenApi, HttpStatusCode.OK)]
    public async Task Every_response_carries_the_security_headers(string path, HttpStatusCode expected)
    {
        await using var server = await StartAsync();
        var reader = await server.ClientWithRoleAsync(TokenRole.Reader);

        var response = await reader.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'", string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", string.Join(",", response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
        Assert.False(response.Headers.Contains("Server"));
        if (path.StartsWith(LabApi.Prefix, StringComparison.Ordinal))
        {
            Assert.True(response.Headers.CacheControl?.NoStore);
        }
    }

    [Fact]
    public async Task A_query_with_a_bad_filter_is_refused_with_400_naming_it()
    {
        await using var server = await StartAsync();
        var reader = await server.ClientWithRoleAsync(TokenRole.Reader);

        var badLimit = await reader.GetAsync($"{LabApi.Results}?limit=1000000");
        var badKind = await reader.GetAsync($"{LabApi.Results}?kind=7");
        var badState = await reader.GetAsync($"{LabApi.Jobs}?state=Sleeping");

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest], [badLimit.StatusCode, badKind.StatusCode, badState.StatusCode]);
        Assert.Contains("limit", await badLimit.ErrorAsync(), StringComparison.Ordinal);
        Assert.Contains("Sleeping", await badState.ErrorAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_creates_a_token_that_works_and_revokes_it()
    {
        await using var server = await StartAsync();
        var admin = await server.ClientWithRoleAsync(TokenRole.Admin);

        var created = await (await admin.PostAsync(LabApi.Tokens, Lab.Json(new CreateTokenRequest("ci", TokenRole.Reader)))).ReadAsync<CreateTokenResponse>();
        var reader = server.Client(created.Secret);
        var before = await reader.GetAsync(LabApi.Devices);
        var revoke = await admin.DeleteAsync(LabApi.Token(created.TokenId));
        var after = await reader.GetAsync(LabApi.Devices);
        var revokeAgain = await admin.DeleteAsync(LabApi.Token(created.TokenId));

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound],
            [before.StatusCode, revoke.StatusCode, after.StatusCode, revokeAgain.StatusCode]);
        Assert.Contains("revoked", await after.ErrorAsync(), StringComparison.Ordinal);
    }
}

/// <summary>A body of a given size streamed from one small buffer, so a "1 GB upload" test does not allocate it; with or without a declared length.</summary>
internal sealed class OversizedContent(long lengthBytes, bool declareLength) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)' ');
        chunk[0] = (byte)'[';
        for (var sent = 0L; sent < lengthBytes;)
        {
            var count = (int)Math.Min(chunk.Length, lengthBytes - sent);
            await stream.WriteAsync(chunk.AsMemory(0, count));
            sent += count;
            chunk[0] = (byte)' ';
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = lengthBytes;
        return declareLength;
    }
}
