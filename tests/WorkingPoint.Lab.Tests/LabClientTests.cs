using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using WorkingPoint.Core;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Client;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Tests;

/// <summary>The client against a tiny HTTP server in the test: status codes, bodies and outages become the right exceptions.</summary>
public sealed class LabClientTests : IDisposable
{
    private static readonly LabClientOptions Quick = new(TimeSpan.FromSeconds(20), 2, TimeSpan.FromMilliseconds(1));

    private readonly HttpListener _listener = new();
    private readonly List<(string Method, string Path, string? Authorization, string Body)> _requests = [];
    private readonly Queue<(int Status, string? Body)> _answers = new();
    private readonly Task _serving;
    private readonly Uri _server;

    public LabClientTests()
    {
        var port = FreePort();
        _server = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(_server.ToString());
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }

    private void Answer(int status, string? body = null) => _answers.Enqueue((status, body));

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, ResultJson.Options);

    private LabClient Client(LabClientOptions? options = null) => new(_server, "secret-token", options ?? Quick);

    [Fact]
    public async Task A_claim_answered_204_is_no_job_and_the_bearer_token_is_sent()
    {
        Answer(204);
        using var client = Client();

        Assert.Null(await client.ClaimAsync());

        var request = Assert.Single(_requests);
        Assert.Equal(("POST", LabApi.Claim, "Bearer secret-token"), (request.Method, request.Path, request.Authorization));
    }

    [Fact]
    public async Task A_claimed_job_is_read_from_the_body()
    {
        var job = new LabJob(7, Records.Job(), "dev-1", JobState.Running, "alice", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(2), 1, [], null);
        Answer(200, Json(job));
        using var client = Client();

        var claimed = await client.ClaimAsync();

        Assert.Equal(7, claimed!.Id);
        Assert.Equal("yolov8n", claimed.Spec.Model);
    }

    [Fact]
    public async Task A_heartbeat_answered_409_says_the_job_is_no_longer_ours()
    {
        Answer(409, Json(new ApiError("Job 7 was cancelled.")));
        Answer(200);
        using var client = Client();

        Assert.False(await client.HeartbeatAsync(7, new HeartbeatRequest("50 %")));
        Assert.True(await client.HeartbeatAsync(7, new HeartbeatRequest(null)));
        Assert.Equal(LabApi.Heartbeat(7), _requests[0].Path);
        Assert.Contains("\"progress\":\"50 %\"", _requests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_4xx_becomes_a_server_exception_with_the_servers_one_line()
    {
        Answer(400, Json(new ApiError("'speed' is not a parameter of onnx jobs; use one of duration, quick.")));
        using var client = Client();

        var error = await Assert.ThrowsAsync<LabServerException>(() => client.SubmitAsync(new SubmitRequest(Records.Job(), "dev-1", null)));

        Assert.Equal(400, error.StatusCode);
        Assert.False(error.IsRetryable);
        Assert.StartsWith("'speed' is not a parameter of onnx jobs; use one of duration, quick. (HTTP 400 from", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<WorkingPointException>(error);
    }

    [Fact]
    public async Task A_401_or_403_is_an_authorization_error_that_is_never_retried()
    {
        Answer(401, Json(new ApiError("Unknown token.")));
        Answer(403, Json(new ApiError("A reader token cannot submit.")));
        using var client = Client();

        var refused = await Assert.ThrowsAsync<LabAuthorizationException>(() => client.ListDevicesAsync());
        var forbidden = await Assert.ThrowsAsync<LabAuthorizationException>(() => client.ListDevicesAsync());

        Assert.False(refused.IsRetryable);
        Assert.Contains("--token", refused.Message, StringComparison.Ordinal);
        Assert.Contains("A reader token cannot submit.", forbidden.Message, StringComparison.Ordinal);
        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public async Task A_5xx_is_retried_with_backoff_and_the_answer_after_it_is_taken()
    {
        Answer(503, "Service Unavailable");
        Answer(500, Json(new ApiError("database restarting")));
        Answer(200, Json(new UploadResponse([new SaveOutcome(5, true)])));
        using var client = Client();

        var response = await client.UploadAsync(new UploadRequest([Records.Make("m")]));

        Assert.Equal(new SaveOutcome(5, true), Assert.Single(response.Saved));
        Assert.Equal(3, _requests.Count);
    }

    [Fact]
    public async Task A_5xx_that_outlasts_the_retries_is_a_retryable_server_exception()
    {
        Answer(500, Json(new ApiError("database down")));
        Answer(500, Json(new ApiError("database down")));
        Answer(500, Json(new ApiError("database down")));
        using var client = Client();

        var error = await Assert.ThrowsAsync<LabServerException>(() => client.ListJobsAsync());

        Assert.True(error.IsRetryable);
        Assert.StartsWith("database down (HTTP 500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_submit_is_not_repeated_after_a_5xx_so_jobs_are_never_queued_twice()
    {
        Answer(500, Json(new ApiError("oops")));
        using var client = Client();

        await Assert.ThrowsAsync<LabServerException>(() => client.SubmitAsync(new SubmitRequest(Records.Job(), null, "jetson")));

        Assert.Single(_requests);
    }

    [Fact]
    public async Task A_refused_connection_is_server_unreachable()
    {
        using var client = new LabClient(new Uri($"http://127.0.0.1:{FreePort()}"), "t", Quick);

        var error = await Assert.ThrowsAsync<LabServerUnreachableException>(() => client.ClaimAsync());

        Assert.Contains("cannot be reached", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_unreachable()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var client = new LabClient(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"), "t", Quick with { Timeout = TimeSpan.FromMilliseconds(300) });

        var error = await Assert.ThrowsAsync<LabServerUnreachableException>(() => client.ClaimAsync());

        Assert.Contains("no answer within", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listing_filters_travel_as_query_parameters()
    {
        Answer(200, "[]");
        Answer(200, "[]");
        using var client = Client();

        await client.ListJobsAsync("dev 1", JobState.Running, 20);
        await client.ListResultsAsync(new ResultQuery(Kind: MeasurementKind.Llm, Device: "dev-1", Model: "qwen2.5-0.5b", Limit: 10, BeforeId: 99));

        Assert.Equal(LabApi.Jobs + "?device=dev%201&state=Running&limit=20", _requests[0].Path);
        Assert.Equal(LabApi.Results + "?kind=Llm&device=dev-1&model=qwen2.5-0.5b&limit=10&before=99", _requests[1].Path);
    }

    [Fact]
    public async Task An_error_page_that_is_not_json_gives_its_first_line()
    {
        Answer(404, "<html>Not here</html>\nmore");
        using var client = Client();

        var error = await Assert.ThrowsAsync<LabServerException>(() => client.GetJobAsync(3));

        Assert.StartsWith("<html>Not here</html> (HTTP 404", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lab:8080")]
    [InlineData("ftp://lab")]
    [InlineData("http://lab/api")]
    [InlineData("")]
    public void A_server_address_that_is_not_an_http_url_is_refused_with_one_line(string text)
    {
        var error = Assert.Throws<InvalidInputException>(() => LabClient.ParseServer(text));

        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_missing_token_is_refused_naming_the_option_and_the_variable()
    {
        var error = Assert.Throws<InvalidInputException>(() => new LabClient(new Uri("http://lab"), " "));

        Assert.Contains("--token", error.Message, StringComparison.Ordinal);
        Assert.Contains("WPT_TOKEN", error.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
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

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            lock (_requests)
            {
                _requests.Add((context.Request.HttpMethod, context.Request.RawUrl!, context.Request.Headers["Authorization"], body));
            }

            var (status, answer) = _answers.Count > 0 ? _answers.Dequeue() : (500, "no answer queued");
            context.Response.StatusCode = status;
            if (answer is not null && status != 204)
            {
                var bytes = Encoding.UTF8.GetBytes(answer);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
            }

            context.Response.Close();
        }
    }
}
