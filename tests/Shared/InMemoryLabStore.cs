using System.Security.Cryptography;
using System.Text;
using WorkingPoint.Lab;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Tests.Shared;

/// <summary>
/// A lab store in memory, for tests that isolate the server's or the agent's logic from a database. The real stores (PostgreSQL,
/// SQLite) pass the store conformance tests; this one follows the same contract, under one lock.
/// </summary>
internal sealed class InMemoryLabStore : ILabStore, IResultStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LabDevice> _devices = new(StringComparer.Ordinal);
    private readonly List<LabJob> _jobs = [];
    private readonly List<StoredMeasurement> _results = [];
    private readonly Dictionary<string, long> _idsByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (LabPrincipal Principal, bool Revoked)> _tokensByHash = new(StringComparer.Ordinal);
    private long _nextJob = 1;
    private long _nextResult = 1;
    private long _nextToken = 1;

    public IResultStore Results => this;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task<LabDevice> RegisterDeviceAsync(LabDevice device, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var stored = _devices.TryGetValue(device.Id, out var known) ? device with { RegisteredAt = known.RegisteredAt } : device;
            _devices[device.Id] = stored;
            return Task.FromResult(stored);
        }
    }

    public Task<LabDevice?> FindDeviceAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_devices.GetValueOrDefault(deviceId));
        }
    }

    public Task<IReadOnlyList<LabDevice>> ListDevicesAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<LabDevice>>([.. _devices.Values.OrderBy(d => d.Name, StringComparer.Ordinal)]);
        }
    }

    public Task TouchDeviceAsync(string deviceId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_devices.TryGetValue(deviceId, out var device))
            {
                _devices[deviceId] = device with { LastSeenAt = now };
            }

            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<LabJob>> SubmitAsync(BenchmarkJob spec, JobTarget target, string submittedBy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var devices = target.DeviceId is { } id
                ? _devices.ContainsKey(id) ? [id] : []
                : _devices.Values.Where(d => d.Labels.Contains(target.Label!, StringComparer.Ordinal)).Select(d => d.Id).ToList();
            var jobs = devices.Select(d => new LabJob(_nextJob++, spec, d, JobState.Queued, submittedBy, now, null, 0, [], null)).ToList();
            _jobs.AddRange(jobs);
            return Task.FromResult<IReadOnlyList<LabJob>>(jobs);
        }
    }

    public Task<LabJob?> FindJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_jobs.FirstOrDefault(j => j.Id == jobId));
        }
    }

    public Task<IReadOnlyList<LabJob>> ListJobsAsync(string? deviceId = null, JobState? state = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<LabJob>>([.. _jobs.Where(j => (deviceId is null || j.DeviceId == deviceId) && (state is null || j.State == state)).OrderByDescending(j => j.Id).Take(limit)]);
        }
    }

    public Task<bool> CancelAsync(long jobId, string reason, CancellationToken cancellationToken = default) =>
        Task.FromResult(Update(jobId, j => j.State is JobState.Queued or JobState.Running, j => j with { State = JobState.Cancelled, LeaseExpiresAt = null, Message = reason }));

    public Task<LabJob?> ClaimAsync(string deviceId, TimeSpan lease, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            RequeueLapsed(now, deviceId);
            var index = _jobs.FindIndex(j => j.DeviceId == deviceId && j.State == JobState.Queued);
            if (index < 0)
            {
                return Task.FromResult<LabJob?>(null);
            }

            var claimed = _jobs[index] with { State = JobState.Running, LeaseExpiresAt = now + lease, Attempts = _jobs[index].Attempts + 1 };
            _jobs[index] = claimed;
            return Task.FromResult<LabJob?>(claimed);
        }
    }

    public Task<bool> RenewLeaseAsync(long jobId, string deviceId, TimeSpan lease, DateTimeOffset now, string? progress, CancellationToken cancellationToken = default) =>
        Task.FromResult(Update(jobId, j => j.DeviceId == deviceId && j.State == JobState.Running, j => j with { LeaseExpiresAt = now + lease, Message = progress }));

    public Task<bool> FinishAsync(long jobId, string deviceId, JobState outcome, IReadOnlyList<long> resultIds, string? message, CancellationToken cancellationToken = default) =>
        Task.FromResult(Update(jobId, j => j.DeviceId == deviceId && j.State == JobState.Running, j => j with { State = outcome, LeaseExpiresAt = null, ResultIds = resultIds, Message = message }));

    public Task<int> RequeueLapsedAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(RequeueLapsed(now, deviceId: null));
        }
    }

    public Task<(LabPrincipal Principal, string Secret)> CreateTokenAsync(string name, TokenRole role, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var secret = "wpt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            var principal = new LabPrincipal(_nextToken++, name, role, null);
            _tokensByHash[Hash(secret)] = (principal, false);
            return Task.FromResult((principal, secret));
        }
    }

    public Task<LabPrincipal?> VerifyTokenAsync(string secret, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_tokensByHash.TryGetValue(Hash(secret), out var token) && !token.Revoked ? token.Principal : null);
        }
    }

    public Task BindAgentTokenAsync(long tokenId, string deviceId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var (hash, token) = _tokensByHash.Single(t => t.Value.Principal.TokenId == tokenId);
            if (token.Principal.DeviceId is null)
            {
                _tokensByHash[hash] = (token.Principal with { DeviceId = deviceId }, token.Revoked);
            }

            return Task.CompletedTask;
        }
    }

    public Task<bool> RevokeTokenAsync(long tokenId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var match = _tokensByHash.Where(t => t.Value.Principal.TokenId == tokenId && !t.Value.Revoked).ToList();
            foreach (var (hash, token) in match)
            {
                _tokensByHash[hash] = (token.Principal, true);
            }

            return Task.FromResult(match.Count > 0);
        }
    }

    public Task<SaveOutcome> SaveAsync(MeasurementRecord record, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ResultStorage.ThrowIfAnyCannotBeStored([record]);
            return Task.FromResult(Save(record));
        }
    }

    public Task<IReadOnlyList<SaveOutcome>> SaveManyAsync(IReadOnlyList<MeasurementRecord> records, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // All checked before any is stored, and all stored under one lock: the batch is atomic, as in the real stores.
            ResultStorage.ThrowIfAnyCannotBeStored(records);
            return Task.FromResult<IReadOnlyList<SaveOutcome>>([.. records.Select(Save)]);
        }
    }

    private SaveOutcome Save(MeasurementRecord record)
    {
        var key = record.IdempotencyKey;
        if (_idsByKey.TryGetValue(key, out var known))
        {
            return new SaveOutcome(known, Created: false);
        }

        var stored = new StoredMeasurement(_nextResult++, record);
        _results.Add(stored);
        _idsByKey[key] = stored.Id;
        return new SaveOutcome(stored.Id, Created: true);
    }

    public Task<StoredMeasurement?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_results.FirstOrDefault(r => r.Id == id));
        }
    }

    public Task<IReadOnlyList<StoredMeasurement>> QueryAsync(ResultQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var cursor = query.BeforeId is { } before ? _results.FirstOrDefault(r => r.Id == before) : null;
            return Task.FromResult<IReadOnlyList<StoredMeasurement>>([.. Matching(query)
                .Where(r => query.BeforeId is null || (cursor is not null && (r.Record.StartedAt < cursor.Record.StartedAt || (r.Record.StartedAt == cursor.Record.StartedAt && r.Id < cursor.Id))))
                .OrderByDescending(r => r.Record.StartedAt).ThenByDescending(r => r.Id).Take(query.Limit).Select(r => Shown(r, query))]);
        }
    }

    public Task<long> CountAsync(ResultQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult((long)Matching(query).Count());
        }
    }

    public Task<IReadOnlyList<StoredMeasurement>> LatestPerSubjectAsync(ResultQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<StoredMeasurement>>([.. IResultStore.LatestPerSubject(Matching(query)).Select(r => Shown(r, query))]);
        }
    }

    public Task<int> SetGroupStatusAsync(string runGroup, RunStatus status, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var changed = 0;
            for (var i = 0; i < _results.Count; i++)
            {
                if (_results[i].Record.RunGroup == runGroup)
                {
                    _results[i] = _results[i] with { Record = _results[i].Record with { Status = status } };
                    changed++;
                }
            }

            return Task.FromResult(changed);
        }
    }

    /// <summary>The record as a query reads it: without its samples when the query leaves them out, as the SQL stores do.</summary>
    private static StoredMeasurement Shown(StoredMeasurement stored, ResultQuery query) =>
        query.WithSamples ? stored : stored with { Record = stored.Record with { Samples = [] } };

    private IEnumerable<StoredMeasurement> Matching(ResultQuery query) => _results.Where(r =>
    {
        var subject = r.Record.Subject;
        return (query.Kind is null || r.Record.Kind == query.Kind)
            && (query.Device is null || subject.Device == query.Device)
            && (query.Platform is null || subject.Platform == query.Platform)
            && (query.Model is null || subject.Model == query.Model)
            && (query.Weights is null || subject.Weights == query.Weights)
            && (query.Runtime is null || subject.Runtime == query.Runtime)
            && (query.Unit is null || subject.Unit == query.Unit)
            && (query.Since is null || r.Record.StartedAt >= query.Since)
            && (query.Status is null || r.Record.Status == query.Status);
    });

    private bool Update(long jobId, Func<LabJob, bool> allowed, Func<LabJob, LabJob> change)
    {
        lock (_lock)
        {
            var index = _jobs.FindIndex(j => j.Id == jobId);
            if (index < 0 || !allowed(_jobs[index]))
            {
                return false;
            }

            _jobs[index] = change(_jobs[index]);
            return true;
        }
    }

    private int RequeueLapsed(DateTimeOffset now, string? deviceId)
    {
        var requeued = 0;
        for (var i = 0; i < _jobs.Count; i++)
        {
            var job = _jobs[i];
            if (job.State == JobState.Running && job.LeaseExpiresAt < now && (deviceId is null || job.DeviceId == deviceId))
            {
                _jobs[i] = job with { State = JobState.Queued, LeaseExpiresAt = null, Message = "lease lapsed; returned to the queue" };
                requeued++;
            }
        }

        return requeued;
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
