using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using WorkingPoint.Lab;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;
using WorkingPoint.Server.Api;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace WorkingPoint.Server;

/// <summary>
/// The HTTP API of <see cref="LabApi"/>: every route, authorised by the caller's role (<see cref="LabPolicies"/>), every body
/// validated before the store is called, so a refused request (4xx with an <see cref="ApiError"/>) changes nothing.
/// </summary>
public static class LabApiEndpoints
{
    private const string JobById = LabApi.Jobs + "/{id:long}";
    private const string ResultById = LabApi.Results + "/{id:long}";
    private const string TokenById = LabApi.Tokens + "/{id:long}";
    private const int MaxListLimit = 1000;

    public static WebApplication MapLabApi(this WebApplication app, ILabStore store)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(store);
        var settings = app.Services.GetService<LabApiSettings>() ?? new LabApiSettings(LabApi.DefaultLease, TimeProvider.System);
        var api = new Handlers(store, settings);

        app.MapGet(LabApi.Health, () => HttpResults.Text("ok", "text/plain")).AllowAnonymous().WithName("Health").WithSummary("Liveness: 200 ok, no token needed.");

        var v1 = app.MapGroup(LabApi.Prefix).WithTags("lab");
        Errors(v1.MapPost("/devices/register", Route(api.RegisterAsync)).RequireAuthorization(LabPolicies.Agent).Accepts<RegisterRequest>("application/json").Produces<LabDevice>()
            .WithName("RegisterDevice").WithSummary("An agent registers its device (derived id; binds the agent token to it on the first call)."), 403);
        Errors(v1.MapGet("/devices", Route(api.ListDevicesAsync)).RequireAuthorization(LabPolicies.Read).Produces<LabDevice[]>()
            .WithName("ListDevices").WithSummary("The registered devices."));
        Errors(v1.MapPost("/jobs", Route(api.SubmitAsync)).RequireAuthorization(LabPolicies.Submit).Accepts<SubmitRequest>("application/json").Produces<LabJob[]>()
            .WithName("SubmitJob").WithSummary("Queues a job for one device, or one per device carrying a label."), 404);
        Errors(v1.MapGet("/jobs", Route(api.ListJobsAsync)).RequireAuthorization(LabPolicies.Read).Produces<LabJob[]>()
            .WithName("ListJobs").WithSummary("Jobs newest first; ?device=&state=&limit= (limit 1–1000, default 100)."));
        Errors(v1.MapPost("/jobs/claim", Route(api.ClaimAsync)).RequireAuthorization(LabPolicies.Agent).Produces<LabJob>().Produces(StatusCodes.Status204NoContent)
            .WithName("ClaimJob").WithSummary("An agent claims its device's oldest queued job under a lease; 204 when none is queued."), 409);
        Errors(v1.MapGet("/jobs/{id:long}", api.FindJobAsync).RequireAuthorization(LabPolicies.Read).Produces<LabJob>()
            .WithName("GetJob").WithSummary("One job."), 404);
        Errors(v1.MapPost("/jobs/{id:long}/cancel", api.CancelAsync).RequireAuthorization(LabPolicies.Submit).Produces<LabJob>()
            .WithName("CancelJob").WithSummary("Cancels a queued or running job; 409 when it has ended."), 404, 409);
        Errors(v1.MapPost("/jobs/{id:long}/heartbeat", api.HeartbeatAsync).RequireAuthorization(LabPolicies.Agent).Accepts<HeartbeatRequest>("application/json").Produces<LabJob>()
            .WithName("Heartbeat").WithSummary("Renews the lease of the agent's running job; 409 when it is no longer the agent's (cancelled or lapsed): stop it."), 404, 409);
        Errors(v1.MapPost("/jobs/{id:long}/finish", api.FinishAsync).RequireAuthorization(LabPolicies.Agent).Accepts<FinishRequest>("application/json").Produces<LabJob>()
            .WithName("FinishJob").WithSummary("Ends the agent's running job as Succeeded (with its uploaded result ids) or Failed."), 404, 409);
        Errors(v1.MapPost("/results", Route(api.UploadAsync)).RequireAuthorization(LabPolicies.Upload).Accepts<UploadRequest>("application/json").Produces<UploadResponse>()
            .WithName("UploadResults").WithSummary("Stores up to 1,000 records in one transaction, answering their ids in the order sent (idempotent: a known idempotency key, or one repeated in the batch, returns its id with created=false). An agent posts only its own device's results."), 409);
        Errors(v1.MapGet("/results", Route(api.QueryResultsAsync)).RequireAuthorization(LabPolicies.Read).Produces<StoredMeasurement[]>()
            .WithName("QueryResults").WithSummary("Results newest first; ?kind=&device=&platform=&model=&runtime=&limit=&before= (limit 1–1000, default 100; before: the last id of the previous page)."));
        Errors(v1.MapGet("/results/{id:long}", api.FindResultAsync).RequireAuthorization(LabPolicies.Read).Produces<StoredMeasurement>()
            .WithName("GetResult").WithSummary("One result with its raw samples."), 404);
        Errors(v1.MapPost("/tokens", Route(api.CreateTokenAsync)).RequireAuthorization(LabPolicies.Admin).Accepts<CreateTokenRequest>("application/json").Produces<CreateTokenResponse>(StatusCodes.Status201Created)
            .WithName("CreateToken").WithSummary("Creates a token; its secret is in this reply only."));
        Errors(v1.MapDelete("/tokens/{id:long}", api.RevokeTokenAsync).RequireAuthorization(LabPolicies.Admin).Produces(StatusCodes.Status204NoContent)
            .WithName("RevokeToken").WithSummary("Revokes a token; 404 when there is no such live token."), 404);
        return app;
    }

    /// <summary>As a route handler (a Delegate), so its IResult is written; as a plain RequestDelegate it would be dropped.</summary>
    private static Delegate Route(Func<HttpContext, Task<IResult>> handler) => handler;

    /// <summary>The error replies every authorised route may give, plus its own, all as <see cref="ApiError"/>.</summary>
    private static void Errors(RouteHandlerBuilder route, params int[] more)
    {
        foreach (var status in new[] { StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status413PayloadTooLarge }.Concat(more).Distinct())
        {
            route.Produces<ApiError>(status, "application/json");
        }
    }

    private sealed class Handlers(ILabStore store, LabApiSettings settings)
    {
        private DateTimeOffset Now => settings.Clock.GetUtcNow();

        public async Task<IResult> RegisterAsync(HttpContext http)
        {
            var caller = LabCaller.Of(http);
            var request = await RequestBodies.ReadJsonAsync<RegisterRequest>(http.Request);
            RequestValidation.Validate(request);
            var deviceId = DeviceIds.Of(request.Fingerprint, request.Name);
            var ct = http.RequestAborted;
            if (caller.DeviceId is null)
            {
                // Bind first, then read the binding back: of two registrations racing on one new token, one device wins, and the other is refused before it is stored.
                await store.BindAgentTokenAsync(caller.TokenId, deviceId, ct);
                caller = await store.VerifyTokenAsync(LabCaller.SecretOf(http), ct) ?? caller;
            }

            if (caller.DeviceId != deviceId)
            {
                throw ApiProblemException.Forbidden(
                    $"This agent token speaks for device '{caller.DeviceId}', and this registration's fingerprint makes device '{deviceId}'; give each board its own agent token (wpt serve --create-token NAME --role agent).");
            }

            var now = Now;
            var known = await store.FindDeviceAsync(deviceId, ct);
            var device = new LabDevice(deviceId, request.Name.Trim(), request.Platform, [.. request.Labels.Distinct(StringComparer.Ordinal)], request.Fingerprint, request.Capabilities, known?.RegisteredAt ?? now, now);
            return Json(await store.RegisterDeviceAsync(device, ct));
        }

        public async Task<IResult> ListDevicesAsync(HttpContext http) => Json(await store.ListDevicesAsync(http.RequestAborted));

        public async Task<IResult> SubmitAsync(HttpContext http)
        {
            var caller = LabCaller.Of(http);
            var body = await RequestBodies.ReadAsync(http.Request);
            CheckJobKind(body);
            var request = RequestBodies.Parse<SubmitRequest>(body);
            RequestValidation.Validate(request);
            var ct = http.RequestAborted;
            if (request.Device is { } deviceId && await store.FindDeviceAsync(deviceId, ct) is null)
            {
                throw ApiProblemException.NotFound($"No device '{deviceId}' is registered; GET {LabApi.Devices} lists the devices' ids.");
            }

            var target = request.Device is not null ? JobTarget.Device(request.Device) : JobTarget.WithLabel(request.Label!);
            var jobs = await store.SubmitAsync(request.Job, target, caller.Name, Now, ct);
            if (jobs.Count == 0)
            {
                throw ApiProblemException.NotFound($"No registered device carries the label '{request.Label}'; GET {LabApi.Devices} shows the devices' labels.");
            }

            return Json(jobs);
        }

        public async Task<IResult> ListJobsAsync(HttpContext http)
        {
            var query = http.Request.Query;
            var state = EnumByName<JobState>(query, "state");
            return Json(await store.ListJobsAsync(Text(query, "device"), state, Limit(query), http.RequestAborted));
        }

        public async Task<IResult> FindJobAsync(HttpContext http, long id) =>
            Json(await store.FindJobAsync(id, http.RequestAborted) ?? throw NoJob(id));

        public async Task<IResult> CancelAsync(HttpContext http, long id)
        {
            var caller = LabCaller.Of(http);
            var ct = http.RequestAborted;
            var job = await store.FindJobAsync(id, ct) ?? throw NoJob(id);
            if (!await store.CancelAsync(id, $"cancelled by {caller.Name}", ct))
            {
                throw ApiProblemException.Conflict($"Job {id} has already ended ({job.State}); only queued or running jobs can be cancelled.");
            }

            return Json(await store.FindJobAsync(id, ct));
        }

        public async Task<IResult> ClaimAsync(HttpContext http)
        {
            var deviceId = DeviceOf(LabCaller.Of(http));
            var ct = http.RequestAborted;
            var now = Now;
            await store.TouchDeviceAsync(deviceId, now, ct);
            var job = await store.ClaimAsync(deviceId, settings.Lease, now, ct);
            return job is null ? HttpResults.NoContent() : Json(job);
        }

        public async Task<IResult> HeartbeatAsync(HttpContext http, long id)
        {
            var deviceId = DeviceOf(LabCaller.Of(http));
            var request = await RequestBodies.ReadJsonAsync<HeartbeatRequest>(http.Request);
            RequestValidation.Validate(request);
            var ct = http.RequestAborted;
            await OwnJobAsync(id, deviceId, ct);
            var now = Now;
            await store.TouchDeviceAsync(deviceId, now, ct);
            if (!await store.RenewLeaseAsync(id, deviceId, settings.Lease, now, request.Progress, ct))
            {
                throw ApiProblemException.Conflict($"Job {id} is no longer running on this device (cancelled, ended, or its lease lapsed and it was queued again); stop it and claim the next job.");
            }

            return Json(await store.FindJobAsync(id, ct));
        }

        public async Task<IResult> FinishAsync(HttpContext http, long id)
        {
            var deviceId = DeviceOf(LabCaller.Of(http));
            var request = await RequestBodies.ReadJsonAsync<FinishRequest>(http.Request);
            RequestValidation.Validate(request);
            var ct = http.RequestAborted;
            await OwnJobAsync(id, deviceId, ct);
            foreach (var resultId in request.ResultIds.Distinct())
            {
                if (await store.Results.FindAsync(resultId, ct) is not { } stored || stored.Record.Subject.Device != deviceId)
                {
                    throw ApiProblemException.BadRequest($"resultIds holds {resultId}, which is not a result of this device; upload the results first and finish with the ids the upload returned.");
                }
            }

            await store.TouchDeviceAsync(deviceId, Now, ct);
            if (!await store.FinishAsync(id, deviceId, request.Outcome, request.ResultIds, request.Message, ct))
            {
                throw ApiProblemException.Conflict($"Job {id} is no longer running on this device (cancelled, ended, or its lease lapsed and it was queued again); keep its results uploaded and claim the next job.");
            }

            return Json(await store.FindJobAsync(id, ct));
        }

        public async Task<IResult> UploadAsync(HttpContext http)
        {
            var caller = LabCaller.Of(http);
            var request = await RequestBodies.ReadJsonAsync<UploadRequest>(http.Request);
            RequestValidation.Validate(request);
            var ct = http.RequestAborted;
            var records = request.Records;
            if (caller.Role == TokenRole.Agent)
            {
                var deviceId = DeviceOf(caller);
                var device = await store.FindDeviceAsync(deviceId, ct)
                    ?? throw ApiProblemException.Conflict($"This agent's device '{deviceId}' is not registered; register it again (POST {LabApi.Register}).");
                records = [.. records.Select((record, i) => OfDevice(record, device, i))];
                await store.TouchDeviceAsync(deviceId, Now, ct);
            }

            // One batch, one transaction: the request's records are stored together or (a refused record) not at all.
            return Json(new UploadResponse(await store.Results.SaveManyAsync(records, ct)));
        }

        public async Task<IResult> QueryResultsAsync(HttpContext http)
        {
            var query = http.Request.Query;
            var resultQuery = new ResultQuery(
                Kind: EnumByName<MeasurementKind>(query, "kind"),
                Device: Text(query, "device"),
                Platform: Text(query, "platform"),
                Model: Text(query, "model"),
                Runtime: Text(query, "runtime"),
                Limit: Limit(query),
                BeforeId: Id(query, "before"));
            return Json(await store.Results.QueryAsync(resultQuery, http.RequestAborted));
        }

        public async Task<IResult> FindResultAsync(HttpContext http, long id) =>
            Json(await store.Results.FindAsync(id, http.RequestAborted)
                ?? throw ApiProblemException.NotFound($"No result {id}; GET {LabApi.Results} lists the results' ids."));

        public async Task<IResult> CreateTokenAsync(HttpContext http)
        {
            var request = await RequestBodies.ReadJsonAsync<CreateTokenRequest>(http.Request);
            RequestValidation.Validate(request);
            var (principal, secret) = await store.CreateTokenAsync(request.Name.Trim(), request.Role, http.RequestAborted);
            return HttpResults.Json(new CreateTokenResponse(principal.TokenId, principal.Name, principal.Role, secret), ResultJson.Options, statusCode: StatusCodes.Status201Created);
        }

        public async Task<IResult> RevokeTokenAsync(HttpContext http, long id) =>
            await store.RevokeTokenAsync(id, http.RequestAborted)
                ? HttpResults.NoContent()
                : throw ApiProblemException.NotFound($"No live token {id} (unknown, or revoked already); the id is the tokenId given when it was created.");

        private async Task OwnJobAsync(long id, string deviceId, CancellationToken ct)
        {
            var job = await store.FindJobAsync(id, ct) ?? throw NoJob(id);
            if (job.DeviceId != deviceId)
            {
                throw ApiProblemException.Forbidden($"Job {id} is device '{job.DeviceId}''s, not this agent's ('{deviceId}'); an agent works only on its own device's jobs.");
            }
        }

        /// <summary>
        /// An agent posts only what its own device measured: the record's machine must be the device's host, and its subject the device
        /// (a subject naming the record's own host, the one a record states by itself, is set to the device); anything else is
        /// another device's record, and refused.
        /// </summary>
        private static MeasurementRecord OfDevice(MeasurementRecord record, LabDevice device, int index)
        {
            var deviceId = device.Id;
            if (record.Platform.Hostname != device.Fingerprint.Hostname)
            {
                throw ApiProblemException.Forbidden($"records[{index}] was measured on host '{record.Platform.Hostname}', not on this agent's device ('{deviceId}', host '{device.Fingerprint.Hostname}'); upload it with that machine's agent token or a submitter's.");
            }

            var subject = record.Subject;
            if (subject.Device == deviceId)
            {
                return record;
            }

            if (subject.Device == record.Platform.Hostname)
            {
                return record with { Subject = subject with { Device = deviceId } };
            }

            throw ApiProblemException.Forbidden($"records[{index}] is for device '{subject.Device}', and this agent token posts only its own device's ('{deviceId}') results; upload it with that device's agent token or a submitter's.");
        }
    }

    private static string DeviceOf(LabPrincipal agent) =>
        agent.DeviceId ?? throw ApiProblemException.Conflict($"This agent token has no device yet; register it first (POST {LabApi.Register}).");

    private static ApiProblemException NoJob(long id) => ApiProblemException.NotFound($"No job {id}; GET {LabApi.Jobs} lists the jobs' ids.");

    /// <summary>A submitted job's kind by name, checked before the body is bound, so an unknown kind is named as such (with the known ones) rather than as malformed JSON.</summary>
    private static void CheckJobKind(byte[] body)
    {
        System.Text.Json.JsonDocument document;
        try
        {
            document = System.Text.Json.JsonDocument.Parse(body, new System.Text.Json.JsonDocumentOptions { MaxDepth = ResultJson.Options.MaxDepth });
        }
        catch (System.Text.Json.JsonException)
        {
            return; // The binder reports it, with its position.
        }

        using (document)
        {
            if (document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("job", out var job) && job.ValueKind == System.Text.Json.JsonValueKind.Object
                && job.TryGetProperty("kind", out var kind))
            {
                if (kind.ValueKind != System.Text.Json.JsonValueKind.String)
                {
                    throw ApiProblemException.BadRequest($"job.kind must be a kind's name; use one of {string.Join(", ", BenchmarkJob.KindsByName.Keys)}.");
                }

                BenchmarkJob.ParseKind(kind.GetString()!);
            }
        }
    }

    private static IResult Json<T>(T value) => HttpResults.Json(value, ResultJson.Options);

    private static string? Text(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && !StringValues.IsNullOrEmpty(values) ? values.ToString() : null;

    private static int Limit(IQueryCollection query)
    {
        var text = Text(query, "limit");
        if (text is null)
        {
            return 100;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxListLimit
            ? limit
            : throw ApiProblemException.BadRequest($"limit '{text}' is not a whole number from 1 to {MaxListLimit}; page on with before=LAST_ID instead of a bigger limit.");
    }

    private static long? Id(IQueryCollection query, string name)
    {
        var text = Text(query, name);
        return text is null ? null
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id
            : throw ApiProblemException.BadRequest($"{name} '{text}' is not an id; ids are whole numbers from 1.");
    }

    /// <summary>By name only: Enum.TryParse would also take "7".</summary>
    private static T? EnumByName<T>(IQueryCollection query, string name) where T : struct, Enum
    {
        var text = Text(query, name);
        return text is null ? null
            : Enum.GetValues<T>().Where(v => string.Equals(v.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase)).Cast<T?>().FirstOrDefault()
                ?? throw ApiProblemException.BadRequest($"{name} '{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}; use one of those.");
    }
}

/// <summary>The API's clock and the lease a claim or heartbeat grants (tests shorten it).</summary>
internal sealed record LabApiSettings(TimeSpan Lease, TimeProvider Clock);
