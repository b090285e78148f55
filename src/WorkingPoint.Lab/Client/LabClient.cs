using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using WorkingPoint.Core;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Client;

/// <summary>The lab server's API as calls, one per route of <see cref="LabApi"/>: the agent's loop and the CLI talk to the server through this.</summary>
public interface ILabClient
{
    /// <summary>The server's base address, for messages.</summary>
    Uri Server { get; }

    Task<LabDevice> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LabJob>> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LabJob>> ListJobsAsync(string? device = null, JobState? state = null, int? limit = null, CancellationToken cancellationToken = default);

    Task<LabJob> GetJobAsync(long jobId, CancellationToken cancellationToken = default);

    Task CancelJobAsync(long jobId, CancellationToken cancellationToken = default);

    /// <summary>The oldest job queued for this agent's device, now leased to it; null when none is queued (204).</summary>
    Task<LabJob?> ClaimAsync(CancellationToken cancellationToken = default);

    /// <summary>Renews the job's lease; false when the job is no longer this agent's (409: cancelled, or lapsed and re-queued) — stop it.</summary>
    Task<bool> HeartbeatAsync(long jobId, HeartbeatRequest request, CancellationToken cancellationToken = default);

    /// <summary>Ends the job; false when it is no longer this agent's (409).</summary>
    Task<bool> FinishAsync(long jobId, FinishRequest request, CancellationToken cancellationToken = default);

    /// <summary>Stores records under their idempotency keys: uploading the same record again returns its id with Created false.</summary>
    Task<UploadResponse> UploadAsync(UploadRequest request, CancellationToken cancellationToken = default);

    /// <summary>Results newest first, filtered as <see cref="LabApi.Results"/> takes them.</summary>
    Task<IReadOnlyList<StoredMeasurement>> ListResultsAsync(ResultQuery query, CancellationToken cancellationToken = default);

    /// <summary>One result with its samples; null when the server has none with that id.</summary>
    Task<StoredMeasurement?> GetResultAsync(long resultId, CancellationToken cancellationToken = default);
}

/// <summary>How patient a <see cref="LabClient"/> is.</summary>
/// <param name="Timeout">How long one request may take before the server counts as unreachable.</param>
/// <param name="ServerErrorRetries">How many times a request that may be repeated is retried after a 5xx answer.</param>
/// <param name="ServerErrorBackoff">The wait before the first such retry; doubled for each one after.</param>
public sealed record LabClientOptions(TimeSpan Timeout, int ServerErrorRetries, TimeSpan ServerErrorBackoff)
{
    public static readonly LabClientOptions Default = new(TimeSpan.FromSeconds(30), 3, TimeSpan.FromSeconds(1));
}

/// <summary>
/// The lab server's HTTP API over <see cref="HttpClient"/>. A refused request becomes a <see cref="LabServerException"/> carrying the
/// server's one line (<see cref="LabAuthorizationException"/> for 401/403); a server that cannot be reached or does not answer in time
/// becomes <see cref="LabServerUnreachableException"/>. Server errors (5xx) on requests that may be repeated are retried with backoff.
/// </summary>
public sealed class LabClient : ILabClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly LabClientOptions _options;

    /// <param name="server">The server's base address (http or https).</param>
    /// <param name="token">The bearer token (wpt serve prints it when it creates one).</param>
    /// <param name="handler">The HTTP handler; a new one unless given (tests).</param>
    public LabClient(Uri server, string token, LabClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new InvalidInputException("No lab token: pass --token TOKEN or set WPT_TOKEN (wpt serve prints tokens when it creates them).");
        }

        if (token.Any(char.IsControl) || token.Any(char.IsWhiteSpace))
        {
            throw new InvalidInputException("The lab token has spaces or control characters in it; pass the token exactly as it was printed.");
        }

        Server = server;
        _options = options ?? LabClientOptions.Default;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = _options.Timeout }, disposeHandler: true)
        {
            BaseAddress = server,
            Timeout = _options.Timeout,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public Uri Server { get; }

    /// <summary>A server address from the user: an absolute http or https URL, refused with one line otherwise.</summary>
    public static Uri ParseServer(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidInputException("No lab server: pass --server URL or set WPT_SERVER, e.g. http://lab.local:8080.");
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            throw new InvalidInputException($"--server '{text}' is not an http or https URL; give the server's address, e.g. http://lab.local:8080.");
        }

        // The routes are absolute paths; a base path would be dropped silently, so it is refused.
        if (uri.AbsolutePath is not ("/" or ""))
        {
            throw new InvalidInputException($"--server '{text}' has a path; give only the scheme, host and port, e.g. {uri.GetLeftPart(UriPartial.Authority)}.");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority));
    }

    public Task<LabDevice> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<LabDevice>(HttpMethod.Post, LabApi.Register, request, repeatable: true, cancellationToken);

    public Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<LabDevice>>(HttpMethod.Get, LabApi.Devices, null, repeatable: true, cancellationToken);

    // Not repeated after a 5xx: the jobs may have been queued before the error, and a second submit would queue them twice.
    public Task<IReadOnlyList<LabJob>> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<LabJob>>(HttpMethod.Post, LabApi.Jobs, request, repeatable: false, cancellationToken);

    public Task<IReadOnlyList<LabJob>> ListJobsAsync(string? device = null, JobState? state = null, int? limit = null, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<LabJob>>(HttpMethod.Get, LabApi.Jobs + Query(("device", device), ("state", state?.ToString()), ("limit", Text(limit))), null, repeatable: true, cancellationToken);

    public Task<LabJob> GetJobAsync(long jobId, CancellationToken cancellationToken = default) =>
        SendAsync<LabJob>(HttpMethod.Get, LabApi.Job(jobId), null, repeatable: true, cancellationToken);

    public async Task CancelJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, LabApi.Cancel(jobId), null, repeatable: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<LabJob?> ClaimAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, LabApi.Claim, null, repeatable: true, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.NoContent ? null : await ReadAsync<LabJob>(response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> HeartbeatAsync(long jobId, HeartbeatRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, LabApi.Heartbeat(jobId), request, repeatable: true, cancellationToken, conflictIsAnswer: true).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.Conflict;
    }

    public async Task<bool> FinishAsync(long jobId, FinishRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, LabApi.Finish(jobId), request, repeatable: true, cancellationToken, conflictIsAnswer: true).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.Conflict;
    }

    // Repeatable: the server keeps one record per idempotency key.
    public Task<UploadResponse> UploadAsync(UploadRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<UploadResponse>(HttpMethod.Post, LabApi.Results, request, repeatable: true, cancellationToken);

    public Task<IReadOnlyList<StoredMeasurement>> ListResultsAsync(ResultQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var path = LabApi.Results + Query(
            ("kind", query.Kind?.ToString()),
            ("device", query.Device),
            ("platform", query.Platform),
            ("model", query.Model),
            ("runtime", query.Runtime),
            ("limit", query.Limit == int.MaxValue ? null : Text(query.Limit)),
            ("before", Text(query.BeforeId)));
        return SendAsync<IReadOnlyList<StoredMeasurement>>(HttpMethod.Get, path, null, repeatable: true, cancellationToken);
    }

    public async Task<StoredMeasurement?> GetResultAsync(long resultId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<StoredMeasurement>(HttpMethod.Get, LabApi.Result(resultId), null, repeatable: true, cancellationToken).ConfigureAwait(false);
        }
        catch (LabServerException ex) when (ex.StatusCode == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The query string of the set parameters, escaped; empty when none is set.</summary>
    internal static string Query(params (string Name, string? Value)[] parameters)
    {
        var set = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return set.Count == 0 ? string.Empty : "?" + string.Join('&', set);
    }

    private static string? Text(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, bool repeatable, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, body, repeatable, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ResultJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new LabServerException($"The lab server at {Server} answered {response.RequestMessage?.RequestUri?.AbsolutePath} with an empty body; is it a wpt lab server of this version?", (int)response.StatusCode);
        }
        catch (JsonException ex)
        {
            throw new LabServerException($"The lab server at {Server} answered {response.RequestMessage?.RequestUri?.AbsolutePath} with JSON this wpt does not read ({ex.Message.Split('\n')[0]}); is the server the same wpt version?", (int)response.StatusCode);
        }
        catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken))
        {
            throw Unreachable(ex);
        }
    }

    /// <summary>One request, with 5xx retried when <paramref name="repeatable"/>; any other failure answer becomes an exception.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, bool repeatable, CancellationToken cancellationToken, bool conflictIsAnswer = false)
    {
        var backoff = _options.ServerErrorBackoff;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, body.GetType(), options: ResultJson.Options);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken))
            {
                throw Unreachable(ex);
            }

            if (response.IsSuccessStatusCode || (conflictIsAnswer && response.StatusCode == HttpStatusCode.Conflict))
            {
                return response;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                if (status >= 500 && repeatable && attempt < _options.ServerErrorRetries)
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                    backoff *= 2;
                    continue;
                }

                var message = await ErrorLineAsync(response, cancellationToken).ConfigureAwait(false);
                throw status switch
                {
                    401 => new LabAuthorizationException($"The lab server at {Server} refused the token (HTTP 401: {message}); pass a valid --token or WPT_TOKEN.", status),
                    403 => new LabAuthorizationException($"The lab server at {Server} says this token may not do that (HTTP 403: {message}); use a token with the right role.", status),
                    _ => new LabServerException($"{message} (HTTP {status} from {Server})", status),
                };
            }
        }
    }

    /// <summary>The server's one line from an <see cref="ApiError"/> body; else the body's first line, or the status's name.</summary>
    private static async Task<string> ErrorLineAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            text = string.Empty;
        }

        try
        {
            if (JsonSerializer.Deserialize<ApiError>(text, ResultJson.Options) is { Error: { Length: > 0 } error })
            {
                return OneLine(error);
            }
        }
        catch (JsonException)
        {
            // Not an ApiError (a proxy's page): its first line below.
        }

        var first = OneLine(text);
        return first.Length > 0 ? first[..Math.Min(first.Length, 200)] : response.ReasonPhrase ?? response.StatusCode.ToString();
    }

    private static string OneLine(string text)
    {
        var line = text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        var clean = new StringBuilder(line.Length);
        foreach (var c in line)
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }

        return clean.ToString();
    }

    /// <summary>
    /// The server could not be reached or the connection failed: refused, reset, timed out. A SocketException is among them: a
    /// connection reset as soon as it is made (a server dying, a proxy with no server behind it) comes out of HttpClient unwrapped
    /// (ENOTCONN from the socket's remote address), and unhandled it ended the agent's heartbeats for good.
    /// </summary>
    private static bool IsConnectionFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or IOException or SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private LabServerUnreachableException Unreachable(Exception ex) =>
        new($"The lab server at {Server} cannot be reached ({(ex is OperationCanceledException ? $"no answer within {_options.Timeout.TotalSeconds:0.#} s" : OneLine(ex.Message))}); check --server and that wpt serve is running.", ex);
}
