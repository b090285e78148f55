using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using WorkingPoint.Lab;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>Where, in one upload's round trip, the server dies.</summary>
internal enum UploadFault
{
    /// <summary>The server has received only part of the request (so it stored nothing), then dies; the client's connection drops.</summary>
    BeforeStore,

    /// <summary>The server has stored the records and is sending its 200 reply; it dies before the reply reaches the client (stored, unacknowledged).</summary>
    AfterStore,
}

/// <summary>
/// A TCP proxy on 127.0.0.1 standing for the network between a lab client and the lab server, where faults are put: the server
/// dying at a chosen point of an upload (<see cref="Arm"/>), the server being down (<see cref="Unroute"/>: connections are reset, as a
/// closed port would refuse them), the client being cut off for good (<see cref="Sever"/>, an agent that died). HTTP/1.1 without
/// pipelining (what HttpClient speaks) lets it tell which request a reply answers: on one connection, requests and replies alternate.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private static readonly byte[] UploadRequestLine = Encoding.ASCII.GetBytes($"POST {LabApi.Results} HTTP/1.1");
    private static readonly byte[] OkStatusLine = Encoding.ASCII.GetBytes("HTTP/1.1 200");
    private static readonly string[] Methods = ["GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "PATCH "];

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly TaskCompletionSource _tripped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private volatile Uri? _upstream;
    private volatile bool _severed;
    private Armed? _armed;
    private int _uploadsSeen;

    public FaultProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect.</summary>
    public Uri Address { get; }

    /// <summary>Completes when the armed fault has fired (the server was killed at its point).</summary>
    public Task Tripped => _tripped.Task;

    /// <summary>
    /// The upload after <paramref name="uploadsFirst"/> more have passed is hit by <paramref name="fault"/>: at its point,
    /// <paramref name="kill"/> kills the server, the proxy stops routing (the server is down until <see cref="Route"/>), and the
    /// client's connection is reset.
    /// </summary>
    public void Arm(UploadFault fault, int uploadsFirst, Func<Task> kill) =>
        Volatile.Write(ref _armed, new Armed(fault, Volatile.Read(ref _uploadsSeen) + uploadsFirst, kill));

    /// <summary>Routes new connections to <paramref name="server"/> (a restarted server).</summary>
    public void Route(Uri server) => _upstream = server;

    /// <summary>The server is down: new connections are reset, open ones are reset.</summary>
    public void Unroute()
    {
        _upstream = null;
        ResetAll();
    }

    /// <summary>The client is cut off: every open connection is reset and new ones are, until <see cref="Heal"/>.</summary>
    public void Sever()
    {
        _severed = true;
        ResetAll();
    }

    public void Heal() => _severed = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private void ResetAll()
    {
        foreach (var connection in _connections.Keys)
        {
            connection.Reset();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                continue; // A client that reset before it was accepted (ECONNABORTED); the next one is served.
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var upstream = _upstream;
        if (upstream is null || _severed)
        {
            Connection.Reset(client);
            return;
        }

        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, upstream.Port, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            server.Dispose();
            Connection.Reset(client);
            return;
        }

        var connection = new Connection(client, server);
        _connections.TryAdd(connection, 0);
        if (_upstream is null || _severed)
        {
            // Cut off while it was connecting, after the reset of all open connections missed it.
            _connections.TryRemove(connection, out _);
            connection.Reset();
            return;
        }

        try
        {
            await Task.WhenAll(RequestsAsync(connection), RepliesAsync(connection));
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            connection.Reset();
        }
    }

    /// <summary>Client to server: notes which request is on the wire; an armed <see cref="UploadFault.BeforeStore"/> sends half of it, then kills.</summary>
    private async Task RequestsAsync(Connection connection)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await connection.Client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            var chunk = buffer.AsMemory(0, read);
            if (StartsRequest(chunk.Span))
            {
                connection.UploadInFlight = chunk.Span.StartsWith(UploadRequestLine);
                if (connection.UploadInFlight && TakeFault(UploadFault.BeforeStore, Volatile.Read(ref _uploadsSeen) + 1) is { } kill)
                {
                    await SendAsync(connection.Server, chunk[..(read / 2)]);
                    await KillAsync(kill, connection);
                    return;
                }
            }

            if (!await SendAsync(connection.Server, chunk))
            {
                break;
            }
        }

        connection.Reset();
    }

    /// <summary>Server to client: an armed <see cref="UploadFault.AfterStore"/> holds back an upload's 200 reply, kills the server and resets the client.</summary>
    private async Task RepliesAsync(Connection connection)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await connection.Server.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            var chunk = buffer.AsMemory(0, read);
            if (connection.UploadInFlight && chunk.Span.StartsWith(OkStatusLine))
            {
                connection.UploadInFlight = false;
                if (TakeFault(UploadFault.AfterStore, Interlocked.Increment(ref _uploadsSeen)) is { } kill)
                {
                    await KillAsync(kill, connection);
                    return;
                }
            }

            if (!await SendAsync(connection.Client, chunk))
            {
                break;
            }
        }

        connection.Reset();
    }

    /// <summary>The armed fault's kill, taken (it fires once), when it is armed for this point and this upload (1 the first the proxy saw).</summary>
    private Func<Task>? TakeFault(UploadFault point, int uploadOrdinal)
    {
        var armed = Volatile.Read(ref _armed);
        if (armed is null || armed.Fault != point || uploadOrdinal <= armed.AfterUploads
            || Interlocked.CompareExchange(ref _armed, null, armed) != armed)
        {
            return null;
        }

        return armed.Kill;
    }

    private async Task KillAsync(Func<Task> kill, Connection connection)
    {
        _upstream = null;
        try
        {
            await kill();
            connection.Reset();
            ResetAll();
            _tripped.TrySetResult();
        }
        catch (Exception ex)
        {
            _tripped.TrySetException(ex);
            throw;
        }
    }

    private static bool StartsRequest(ReadOnlySpan<byte> chunk)
    {
        foreach (var method in Methods)
        {
            if (chunk.StartsWith(Encoding.ASCII.GetBytes(method)))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> SendAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        try
        {
            while (!data.IsEmpty)
            {
                var sent = await socket.SendAsync(data, SocketFlags.None, _stop.Token);
                data = data[sent..];
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    private sealed record Armed(UploadFault Fault, int AfterUploads, Func<Task> Kill);

    private sealed class Connection(Socket client, Socket server)
    {
        public Socket Client { get; } = client;

        public Socket Server { get; } = server;

        /// <summary>The last request on this connection is an upload whose reply has not come yet.</summary>
        public volatile bool UploadInFlight;

        /// <summary>Both sides dropped with a reset (RST), as a dying process's sockets are, not a polite close.</summary>
        public void Reset()
        {
            Reset(Client);
            Reset(Server);
        }

        public static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }

            socket.Dispose();
        }
    }
}
