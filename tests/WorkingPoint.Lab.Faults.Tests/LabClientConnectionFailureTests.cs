using System.Net.Sockets;
using WorkingPoint.Lab.Client;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// How the client names a connection that fails: every such failure is "unreachable" (retryable), including the bare SocketException
/// HttpClient lets out when a connection is reset as soon as it is made — the agent fault test found it ending an agent's heartbeats.
/// </summary>
public sealed class LabClientConnectionFailureTests
{
    public static TheoryData<string> Failures => ["socket not connected", "connection reset", "http request", "io"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_connection_that_fails_in_any_way_is_the_server_unreachable_which_the_agent_retries(string failure)
    {
        Exception thrown = failure switch
        {
            "socket not connected" => new SocketException((int)SocketError.NotConnected),
            "connection reset" => new SocketException((int)SocketError.ConnectionReset),
            "http request" => new HttpRequestException("An error occurred while sending the request."),
            _ => new IOException("Unable to read data from the transport connection."),
        };
        using var client = new LabClient(new Uri("http://127.0.0.1:9"), "secret", Board.QuickClient, new ThrowingHandler(thrown));

        var heartbeat = await Assert.ThrowsAsync<LabServerUnreachableException>(() => client.HeartbeatAsync(1, new HeartbeatRequest(null)));
        var upload = await Assert.ThrowsAsync<LabServerUnreachableException>(() => client.UploadAsync(new UploadRequest([Board.Record("board-a", 0)])));

        Assert.Same(thrown, heartbeat.InnerException);
        Assert.DoesNotContain('\n', upload.Message);
        Assert.Contains("cannot be reached", upload.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingHandler(Exception thrown) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromException<HttpResponseMessage>(thrown);
    }
}
