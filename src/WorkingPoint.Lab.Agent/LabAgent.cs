using System.Globalization;
using WorkingPoint.Core;
using WorkingPoint.Lab.Client;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Agent;

/// <summary>Who the agent registers as.</summary>
/// <param name="Name">The device's name in the lab (default: the host name).</param>
/// <param name="Platform">The catalog platform id the board is, when its owner says so.</param>
/// <param name="Labels">Labels jobs can target.</param>
public sealed record AgentIdentity(string Name, string? Platform, IReadOnlyList<string> Labels);

/// <summary>How the agent paces itself.</summary>
/// <param name="PollInterval">The wait between claims while nothing is queued (±25 % jitter, so a shelf of agents does not poll in step).</param>
/// <param name="RetryInitial">The first wait after the server could not be reached; doubled each time it still cannot, up to <paramref name="RetryMax"/>.</param>
/// <param name="RetryMax">The longest wait between tries.</param>
/// <param name="HeartbeatInterval">Between heartbeats while a job runs; null: a third of the job's lease.</param>
/// <param name="Once">Run at most one job, then stop (scripts, tests); with nothing queued, stop at once.</param>
/// <param name="UploadBatchSize">Records per upload request (the server takes up to 1,000); fewer make smaller retries, more make fewer requests.</param>
public sealed record AgentOptions(TimeSpan PollInterval, TimeSpan RetryInitial, TimeSpan RetryMax, TimeSpan? HeartbeatInterval = null, bool Once = false, int UploadBatchSize = LabUploads.DefaultBatchSize)
{
    public static readonly AgentOptions Default = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1));
}

/// <summary>How an agent's run ended.</summary>
public enum AgentExit
{
    /// <summary>--once, and its job (or none) is done.</summary>
    Done,

    /// <summary>Stopped by its token (Ctrl-C, SIGTERM): the running job stopped, what it made uploaded or kept in the outbox.</summary>
    Stopped,
}

/// <summary>
/// The lab agent's loop: register the device, then claim a job, run it through the executor while heartbeats hold its lease, save its
/// records in the local outbox, upload them and finish the job — again and again until stopped. A server that cannot be reached is
/// waited out with backoff; what was measured stays in the outbox meanwhile and is uploaded (once: uploads are idempotent) when it
/// answers again. A job the server cancels (its heartbeat answered 409) is stopped; what it finished is still uploaded.
/// </summary>
public sealed class LabAgent(ILabClient client, IJobExecutor executor, AgentOutbox outbox, AgentIdentity identity, PlatformFingerprint fingerprint, DeviceCapabilities capabilities, AgentOptions options, Action<string> log)
{
    private LabDevice? _device;
    private TimeSpan _retryWait = options.RetryInitial;

    /// <summary>The device as the server registered it, once registered.</summary>
    public LabDevice? Device => _device;

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled (or, with <see cref="AgentOptions.Once"/>, one job is done). A token the server
    /// refuses ends the run with a <see cref="LabAuthorizationException"/>; results stay in the outbox.
    /// </summary>
    public async Task<AgentExit> RunAsync(CancellationToken stop)
    {
        try
        {
            await RegisterAsync(stop).ConfigureAwait(false);
            await UploadPendingAsync(null, stop).ConfigureAwait(false);
            while (!stop.IsCancellationRequested)
            {
                LabJob? job;
                try
                {
                    job = await client.ClaimAsync(stop).ConfigureAwait(false);
                    ServerAnswered();
                }
                catch (Exception ex) when (IsRetryable(ex))
                {
                    await WaitToRetryAsync(ex, stop).ConfigureAwait(false);
                    continue;
                }

                if (job is null)
                {
                    if (options.Once)
                    {
                        log("no job is queued for this device; --once: stopping.");
                        return AgentExit.Done;
                    }

                    await Task.Delay(Jittered(options.PollInterval), stop).ConfigureAwait(false);
                    continue;
                }

                await RunJobAsync(job, stop).ConfigureAwait(false);
                if (options.Once)
                {
                    return stop.IsCancellationRequested ? AgentExit.Stopped : AgentExit.Done;
                }

                // Anything an earlier outage left behind goes up between jobs.
                await UploadPendingAsync(null, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: what is in the outbox gets one try below.
        }

        _ = await UploadOnceOnStopAsync().ConfigureAwait(false);
        return AgentExit.Stopped;
    }

    private async Task RegisterAsync(CancellationToken stop)
    {
        var request = new RegisterRequest(identity.Name, identity.Platform, identity.Labels, fingerprint, capabilities);
        while (true)
        {
            try
            {
                _device = await client.RegisterAsync(request, stop).ConfigureAwait(false);
                ServerAnswered();
                log($"registered as {_device.Name} (device {_device.Id}) at {client.Server}: {capabilities.Architecture}, {capabilities.LogicalCores} cores, "
                    + $"accelerators: {(capabilities.Accelerators.Count == 0 ? "none" : string.Join(", ", capabilities.Accelerators))}; "
                    + $"job kinds: {string.Join(", ", capabilities.JobKinds.Select(BenchmarkJob.NameOf))}; outbox {outbox.Path}.");
                return;
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                await WaitToRetryAsync(ex, stop).ConfigureAwait(false);
            }
        }
    }

    private async Task RunJobAsync(LabJob job, CancellationToken stop)
    {
        var spec = job.Spec;
        log($"claimed job {job.Id}: {BenchmarkJob.NameOf(spec.Kind)}{(spec.Model is null ? string.Empty : " " + spec.Model)}{(spec.Scenario is null ? string.Empty : " (" + spec.Scenario + ")")}.");
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var progress = new LatestProgress();
        var lost = new StrongBox();
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeats = HeartbeatAsync(job, progress, running, lost, heartbeatStop.Token);

        string? failure = null;
        var interrupted = false;
        try
        {
            if (!executor.Kinds.Contains(spec.Kind))
            {
                throw new InvalidInputException($"this agent cannot run {BenchmarkJob.NameOf(spec.Kind)} jobs (it runs {string.Join(", ", executor.Kinds.Select(BenchmarkJob.NameOf))}).");
            }

            var sink = new OutboxSink(outbox, job.Id);
            try
            {
                await executor.RunAsync(spec, sink, progress, running.Token).ConfigureAwait(false);
            }
            finally
            {
                sink.CloseOpenParts();
            }

            interrupted = running.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            interrupted = true;
        }
        catch (WorkingPointException ex)
        {
            failure = OneLine(ex.Message);
        }
#pragma warning disable CA1031 // A runner's bug fails its job, not the agent: the next job may be fine, and the board stays in the lab.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = $"internal error in the runner (a bug in wpt): {OneLine(ex.Message)} [{ex.GetType().Name}]";
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeats.ConfigureAwait(false);
        }

        var saved = outbox.Pending(job.Id).Count;
        log(failure is not null ? $"job {job.Id} failed: {failure}"
            : interrupted ? $"job {job.Id} stopped{(lost.Value ? " (cancelled on the server)" : " (agent stopping)")}; {saved} record{(saved == 1 ? string.Empty : "s")} kept."
            : $"job {job.Id} ran: {saved} record{(saved == 1 ? string.Empty : "s")} saved in the outbox.");

        // Stopping: one try, no waiting (the next start uploads the rest); otherwise until the server has them all.
        var refused = stop.IsCancellationRequested ? await UploadOnceOnStopAsync().ConfigureAwait(false) : await UploadPendingAsync(job.Id, stop).ConfigureAwait(false);
        if (lost.Value)
        {
            return; // No longer ours: finishing it would be refused (409).
        }

        if (outbox.Pending(job.Id).Count is var left and > 0)
        {
            // Finishing now would tell the server the job has fewer results than it made; its lease lapses and it runs again.
            log($"job {job.Id} is left unfinished on the server: {left} of its results are still in the outbox.");
            return;
        }

        var ids = outbox.ServerIdsOf(job.Id);
        var request = failure is not null ? new FinishRequest(JobState.Failed, ids, failure)
            : refused is not null ? new FinishRequest(JobState.Failed, ids, refused)
            : interrupted ? new FinishRequest(JobState.Failed, ids, "interrupted: the agent was stopped (Ctrl-C or SIGTERM) before the job finished; its partial results were uploaded")
            : new FinishRequest(JobState.Succeeded, ids, null);
        await FinishAsync(job.Id, request, stop).ConfigureAwait(false);
    }

    private async Task HeartbeatAsync(LabJob job, LatestProgress progress, CancellationTokenSource running, StrongBox lost, CancellationToken done)
    {
        var interval = options.HeartbeatInterval ?? HeartbeatIntervalOf(job);
        string? logged = null;
        try
        {
            while (true)
            {
                await Task.Delay(interval, done).ConfigureAwait(false);
                var text = progress.Text;
                if (text is not null && text != logged)
                {
                    log($"job {job.Id}: {text}");
                    logged = text;
                }

                try
                {
                    if (!await client.HeartbeatAsync(job.Id, new HeartbeatRequest(text), done).ConfigureAwait(false))
                    {
                        lost.Value = true;
                        log($"job {job.Id} is no longer this agent's (cancelled on the server, or its lease lapsed); stopping it.");
                        await running.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    ServerAnswered();
                }
                catch (Exception ex) when (ex is LabServerUnreachableException or LabServerException)
                {
                    // The job keeps running: its results are kept either way, and the lease only lapses after several missed beats.
                    log($"job {job.Id}: heartbeat failed ({OneLine(ex.Message)}); the job keeps running.");
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug in the beat itself: the job would run on unwatched while its lease lapses (and, never told, forever); stop it, and
            // the bug surfaces when the job's end awaits the beats.
            await running.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Uploads the outbox's pending records (of one job, or all), in batches of <see cref="LabUploads.DefaultBatchSize"/> per request,
    /// each batch's records marked uploaded as soon as the server answers. While the server cannot be reached, waits with backoff and
    /// tries again until it can (or the agent is stopped); a batch whose reply was lost is sent again and the server answers what it
    /// has with the same ids. Returns the reason when the server refused a record for good (the record stays in the outbox, marked
    /// refused; the rest of its batch is uploaded); null otherwise.
    /// </summary>
    private async Task<string?> UploadPendingAsync(long? jobId, CancellationToken stop)
    {
        string? refused = null;
        var uploaded = 0;
        var already = 0;
        while (!stop.IsCancellationRequested)
        {
            var pending = outbox.Pending(jobId);
            if (pending.Count == 0)
            {
                break;
            }

            try
            {
                await UploadAsync(
                    pending,
                    outcome =>
                    {
                        if (outcome.Created)
                        {
                            uploaded++;
                        }
                        else
                        {
                            already++;
                        }
                    },
                    reason => refused = reason,
                    stop).ConfigureAwait(false);
                ServerAnswered();
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                await WaitToRetryAsync(ex, stop, what: "upload").ConfigureAwait(false);
            }
        }

        if (uploaded + already > 0)
        {
            log($"uploaded {uploaded} result{(uploaded == 1 ? string.Empty : "s")}{(already > 0 ? $" ({already} more the server had already)" : string.Empty)}{(jobId is null ? string.Empty : $" of job {jobId}")}.");
        }

        return refused;
    }

    /// <summary>Uploads these outbox records in batches, marking each uploaded (or refused, logged) as its batch is answered.</summary>
    private Task UploadAsync(IReadOnlyList<(long LocalId, long? JobId)> pending, Action<SaveOutcome> counted, Action<string> refusedBecause, CancellationToken cancellation) =>
        LabUploads.UploadAsync(
            client,
            pending,
            entry => Outgoing(entry.LocalId),
            (entry, outcome) =>
            {
                outbox.MarkUploaded(entry.LocalId, outcome.Id, DateTimeOffset.UtcNow);
                counted(outcome);
            },
            (entry, ex) =>
            {
                var refused = $"the server refused result {entry.LocalId} of the outbox: {OneLine(ex.Message)}";
                outbox.MarkRefused(entry.LocalId, OneLine(ex.Message));
                log($"{refused}; it stays in {outbox.Path}.");
                refusedBecause(refused);
            },
            options.UploadBatchSize,
            cancellation);

    /// <summary>An outbox record as uploaded: the lab's subject names this device; the key is the record's own (derived from its content, so every retry sends the same).</summary>
    private MeasurementRecord Outgoing(long localId)
    {
        var record = outbox.Read(localId);
        var derived = ResultSubject.Of(record);
        var subject = derived with { Device = _device?.Id ?? derived.Device, Platform = identity.Platform ?? derived.Platform };
        return record with { Subject = subject, IdempotencyKey = record.IdempotencyKey };
    }

    private async Task FinishAsync(long jobId, FinishRequest request, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                var ours = await client.FinishAsync(jobId, request, stop.IsCancellationRequested ? CancellationToken.None : stop).ConfigureAwait(false);
                ServerAnswered();
                log(ours
                    ? $"finished job {jobId}: {request.Outcome.ToString().ToLowerInvariant()}{(request.ResultIds.Count > 0 ? $", results {string.Join(", ", request.ResultIds)}" : string.Empty)}."
                    : $"job {jobId} is no longer this agent's (cancelled, or its lease lapsed); its results are uploaded.");
                return;
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                if (stop.IsCancellationRequested)
                {
                    log($"could not finish job {jobId} while stopping ({OneLine(ex.Message)}); its lease will lapse.");
                    return;
                }

                await WaitToRetryAsync(ex, stop, what: "finish").ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stopping: one try to upload what the outbox holds, no waiting; what does not go up is uploaded by the next start. Returns the
    /// reason when the server refused a record for good.
    /// </summary>
    private async Task<string?> UploadOnceOnStopAsync()
    {
        var pending = outbox.Pending();
        if (pending.Count == 0 || _device is null)
        {
            return null;
        }

        var uploaded = 0;
        string? refused = null;
        try
        {
            await UploadAsync(pending, _ => uploaded++, reason => refused = reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LabServerUnreachableException or LabServerException)
        {
            var left = outbox.Pending().Count;
            log($"stopping with {left} result{(left == 1 ? string.Empty : "s")} not uploaded ({OneLine(ex.Message)}); they stay in {outbox.Path} and go up when the agent starts again.");
            return refused;
        }

        log($"uploaded {uploaded} result{(uploaded == 1 ? string.Empty : "s")} before stopping.");
        return refused;
    }

    private static bool IsRetryable(Exception ex) => ex is LabServerUnreachableException || (ex is LabServerException server && server.IsRetryable);

    private async Task WaitToRetryAsync(Exception ex, CancellationToken stop, string? what = null)
    {
        var wait = Jittered(_retryWait);
        log($"{(ex is LabServerUnreachableException ? "server unreachable" : "server error")}{(what is null ? string.Empty : $" ({what})")} — retrying in {wait.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: {OneLine(ex.Message)}");
        _retryWait = TimeSpan.FromTicks(Math.Min(_retryWait.Ticks * 2, options.RetryMax.Ticks));
        await Task.Delay(wait, stop).ConfigureAwait(false);
    }

    private void ServerAnswered() => _retryWait = options.RetryInitial;

    /// <summary>A third of the job's lease (as the server set it), so two beats can be missed before it lapses.</summary>
    private static TimeSpan HeartbeatIntervalOf(LabJob job)
    {
        var lease = job.LeaseExpiresAt is { } expires ? expires - DateTimeOffset.UtcNow : LabApi.DefaultLease;
        // Clock skew between board and server can make the remaining lease look odd; keep the beat within sane bounds.
        var clamped = TimeSpan.FromTicks(Math.Clamp(lease.Ticks, TimeSpan.FromSeconds(3).Ticks, TimeSpan.FromMinutes(10).Ticks));
        return clamped / 3;
    }

#pragma warning disable CA5394 // Jitter spreads polls, it guards nothing.
    private static TimeSpan Jittered(TimeSpan wait) => wait * (0.75 + (Random.Shared.NextDouble() * 0.5));
#pragma warning restore CA5394

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private sealed class StrongBox
    {
        public volatile bool Value;
    }

    /// <summary>The executor's latest progress line, read by the heartbeat (no synchronization context: reports land at once).</summary>
    private sealed class LatestProgress : IProgress<string>
    {
        private string? _text;

        public string? Text => Volatile.Read(ref _text);

        public void Report(string value) => Volatile.Write(ref _text, value);
    }

    /// <summary>A job's records into the outbox, parts of one run under one run group.</summary>
    private sealed class OutboxSink(AgentOutbox outbox, long jobId) : IJobRecordSink
    {
        private string? _group;

        public void Save(MeasurementRecord record, RunStatus status = RunStatus.Complete) => outbox.Save(record with { Status = status }, jobId);

        public void SavePart(MeasurementRecord record)
        {
            _group ??= record.RunGroup ?? $"job-{jobId}-{Guid.NewGuid():N}"[..32];
            outbox.Save(record with { Status = RunStatus.Incomplete, RunGroup = _group }, jobId);
        }

        public void FinishParts(RunStatus status)
        {
            if (_group is not null)
            {
                outbox.SetGroupStatus(_group, status);
                _group = null;
            }
        }

        /// <summary>Parts the executor left open when it stopped (it threw before finishing them) are marked interrupted.</summary>
        public void CloseOpenParts() => FinishParts(RunStatus.Interrupted);
    }
}
