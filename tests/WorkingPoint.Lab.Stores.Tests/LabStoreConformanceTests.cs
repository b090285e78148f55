using WorkingPoint.Core;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Stores.Tests;

/// <summary>
/// What every lab store does, run against each implementation (a subclass opens it on a fresh database): idempotent saves, queries,
/// devices, the job queue with leases, tokens. The in-memory double in tests/Shared follows the same contract.
/// </summary>
public abstract class LabStoreConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private ILabStore? _store;

    /// <summary>Opens the store on a fresh, empty database (skipping the test where the database is not available).</summary>
    protected abstract Task<ILabStore> OpenAsync();

    /// <summary>Whether the text occurs anywhere in the database, in any table or file.</summary>
    protected abstract Task<bool> DatabaseContainsAsync(string text);

    /// <summary>Releases the database (and the store, when still open).</summary>
    protected abstract Task CloseAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await CloseAsync();
    }

    protected async Task<ILabStore> Store() => _store ??= await OpenAsync();

    internal static MeasurementRecord Record(int minute = 0, string device = "orin-1", string model = "yolov8n", MeasurementKind kind = MeasurementKind.Onnx, string? platform = null, string weights = "fp32", string unit = "cpu") => new(
        kind,
        Now.AddMinutes(minute),
        TimeSpan.FromSeconds(12.5),
        new PlatformFingerprint("Cortex-A78AE", "arm64", 6, 8L << 30, "Linux 5.15", "host-" + device, new SortedDictionary<string, string> { ["ONNX Runtime"] = "1.31.1" }),
        model,
        "ab12",
        new Dictionary<string, string> { ["scenario"] = "single-stream", ["prompt"] = "日本語 😀 \"quoted\"" },
        [new Metric("latency.p90", 12.25 + minute, "ms"), new Metric("throughput", 81.6, "samples/s")],
        [new SampleSeries("latency", "ms", [12.0, 12.5, 11.9], [0.0, 0.012, 0.025]), new SampleSeries("telemetry.thermal.cpu", "°C", [45.5])],
        "note ✓")
    {
        Subject = new ResultSubject(device, platform, model, weights, kind == MeasurementKind.Llm ? "llama.cpp" : "onnxruntime", unit),
    };

    private static LabDevice Device(string id, string name, params string[] labels) => new(
        id,
        name,
        "jetson-orin-nano-8gb",
        labels,
        new PlatformFingerprint("Cortex-A78AE", "arm64", 6, 8L << 30, "Linux 5.15", name, new SortedDictionary<string, string> { ["ONNX Runtime"] = "1.31.1" }),
        new DeviceCapabilities("arm64", 6, 8L << 30, ["cuda:Orin"], new SortedDictionary<string, string> { ["onnxruntime"] = "1.31.1" }, [BenchmarkJobKind.Onnx, BenchmarkJobKind.Roofline]),
        Now,
        Now);

    private static BenchmarkJob Spec(string model = "yolov8n") => new(BenchmarkJobKind.Onnx, model, "onnxruntime", "single-stream", new Dictionary<string, string> { ["duration"] = "10" });

    [SkippableFact]
    public async Task Saving_the_same_record_twice_stores_it_once_and_returns_its_id()
    {
        var results = (await Store()).Results;
        var first = await results.SaveAsync(Record());
        var again = await results.SaveAsync(Record() with { Notes = "changed", Status = RunStatus.Interrupted });

        Assert.True(first.Created);
        Assert.Equal(new SaveOutcome(first.Id, Created: false), again);
        Assert.Equal(1, await results.CountAsync(ResultQuery.All));
        var stored = (await results.FindAsync(first.Id))!.Record;
        Assert.Equal("note ✓", stored.Notes);
        Assert.Equal(RunStatus.Complete, stored.Status);
    }

    [SkippableFact]
    public async Task A_record_reads_back_with_its_subject_metrics_samples_verdict_and_manifest()
    {
        var results = (await Store()).Results;
        var record = Record(platform: "jetson-orin-nano-8gb") with
        {
            RunGroup = "group-1",
            Verdict = new RunVerdict("≥ 10 s", ["min duration: ran 5 s"], ["unstable"], Quick: true, VariationPercent: 7.5, Contention: new CpuContention(0.1, 0.6, 1.5, 0.9)),
            Manifest = new RunManifest("wpt bench onnx 'a b.onnx'", "4", "0-3", "performance", "1800 MHz", "2400 MHz", "Linux 5.15", RunManifest.NotReadable, new SortedDictionary<string, string> { ["yolov8n"] = "ab12" }),
        };
        var id = (await results.SaveAsync(record)).Id;

        var stored = (await results.FindAsync(id))!.Record;
        Assert.Equal(record.Subject, stored.Subject);
        Assert.Equal(record.IdempotencyKey, stored.IdempotencyKey);
        Assert.Equal(record.Kind, stored.Kind);
        Assert.Equal(record.StartedAt, stored.StartedAt);
        Assert.Equal(record.Duration, stored.Duration);
        Assert.Equal(record.Platform.Hostname, stored.Platform.Hostname);
        Assert.Equal(record.Platform.RuntimeVersions, stored.Platform.RuntimeVersions);
        Assert.Equal(record.Parameters.OrderBy(p => p.Key), stored.Parameters.OrderBy(p => p.Key));
        Assert.Equal(record.Metrics, stored.Metrics);
        Assert.Equal(record.Samples.Select(s => (s.Name, s.Unit, string.Join(",", s.Values), string.Join(",", s.SecondsFromStart ?? []))), stored.Samples.Select(s => (s.Name, s.Unit, string.Join(",", s.Values), string.Join(",", s.SecondsFromStart ?? []))));
        Assert.Null(stored.Samples[1].SecondsFromStart);
        Assert.Equal("note ✓", stored.Notes);
        Assert.Equal("group-1", stored.RunGroup);
        Assert.Equal(record.Verdict!.Summary, stored.Verdict!.Summary);
        Assert.Equal(record.Verdict.Contention, stored.Verdict.Contention);
        Assert.Equal(record.Manifest!.Entries(), stored.Manifest!.Entries());
        Assert.Null(await results.FindAsync(id + 1000));
    }

    [SkippableFact]
    public async Task Every_query_filter_selects_only_the_matching_records_and_counts_them()
    {
        var results = (await Store()).Results;
        await results.SaveAsync(Record(minute: 0, device: "orin-1", model: "yolov8n"));
        await results.SaveAsync(Record(minute: 1, device: "orin-2", model: "yolov8n", platform: "jetson-orin-nano-8gb"));
        await results.SaveAsync(Record(minute: 2, device: "orin-1", model: "resnet50", weights: "int8", unit: "cuda"));
        await results.SaveAsync(Record(minute: 3, device: "pi-5", model: "llama-3.2-1b", kind: MeasurementKind.Llm, weights: "q4_0") with { Status = RunStatus.Interrupted });

        async Task<int[]> Minutes(ResultQuery query)
        {
            var found = await results.QueryAsync(query);
            Assert.Equal(found.Count, await results.CountAsync(query with { Limit = 1 }));
            return [.. found.Select(r => r.Record.StartedAt.Minute)];
        }

        Assert.Equal(new[] { 3, 2, 1, 0 }, await Minutes(ResultQuery.All));
        Assert.Equal(new[] { 3 }, await Minutes(new ResultQuery(Kind: MeasurementKind.Llm)));
        Assert.Equal(new[] { 2, 0 }, await Minutes(new ResultQuery(Device: "orin-1")));
        Assert.Equal(new[] { 1 }, await Minutes(new ResultQuery(Platform: "jetson-orin-nano-8gb")));
        Assert.Equal(new[] { 1, 0 }, await Minutes(new ResultQuery(Model: "yolov8n")));
        Assert.Equal(new[] { 2 }, await Minutes(new ResultQuery(Weights: "int8")));
        Assert.Equal(new[] { 3 }, await Minutes(new ResultQuery(Runtime: "llama.cpp")));
        Assert.Equal(new[] { 2 }, await Minutes(new ResultQuery(Unit: "cuda")));
        Assert.Equal(new[] { 3, 2 }, await Minutes(new ResultQuery(Since: Now.AddMinutes(2))));
        Assert.Equal(new[] { 3 }, await Minutes(new ResultQuery(Status: RunStatus.Interrupted)));
        Assert.Equal(new[] { 0 }, await Minutes(new ResultQuery(Device: "orin-1", Model: "yolov8n", Kind: MeasurementKind.Onnx, Status: RunStatus.Complete)));
        Assert.Empty(await Minutes(new ResultQuery(Device: "ORIN-1")));
        Assert.Empty(await Minutes(new ResultQuery(Model: "yolov8n'; DROP TABLE results; --")));
        Assert.Equal(4, await results.CountAsync(ResultQuery.All));
    }

    [SkippableFact]
    public async Task Queries_page_newest_first_from_before_the_last_id()
    {
        var results = (await Store()).Results;
        var ids = new List<long>();
        for (var minute = 0; minute < 7; minute++)
        {
            ids.Add((await results.SaveAsync(Record(minute))).Id);
        }

        var pages = new List<long[]>();
        long? before = null;
        while (true)
        {
            var page = await results.QueryAsync(new ResultQuery(Limit: 3, BeforeId: before));
            if (page.Count == 0)
            {
                break;
            }

            pages.Add([.. page.Select(r => r.Id)]);
            before = page[^1].Id;
        }

        Assert.Equal([3, 3, 1], pages.Select(p => p.Length));
        Assert.Equal(Enumerable.Reverse(ids), pages.SelectMany(p => p));
        Assert.Equal(7, await results.CountAsync(new ResultQuery(Limit: 3, BeforeId: ids[2])));
        Assert.Empty(await results.QueryAsync(new ResultQuery(Limit: 0)));
    }

    [SkippableFact]
    public async Task Paging_reaches_every_record_once_when_they_were_stored_out_of_time_order()
    {
        var results = (await Store()).Results;
        var minutes = new[] { 5, 1, 3, 0, 4, 2, 6 };
        foreach (var minute in minutes)
        {
            await results.SaveAsync(Record(minute));
        }

        var seen = new List<int>();
        long? before = null;
        while (await results.QueryAsync(new ResultQuery(Limit: 2, BeforeId: before)) is { Count: > 0 } page)
        {
            seen.AddRange(page.Select(r => (int)(r.Record.StartedAt - Now).TotalMinutes));
            before = page[^1].Id;
        }

        Assert.Equal(minutes.OrderDescending(), seen);
    }

    [SkippableFact]
    public async Task The_newest_result_per_subject_is_what_the_default_implementation_picks_ties_going_to_the_later_id()
    {
        var results = (await Store()).Results;
        var n = 0;
        async Task Save(MeasurementRecord record) => await results.SaveAsync(record with { IdempotencyKey = $"key-{n++}" });

        await Save(Record(0, device: "orin-1", model: "yolov8n"));
        await Save(Record(5, device: "orin-1", model: "yolov8n"));
        await Save(Record(3, device: "orin-1", model: "yolov8n")); // stored later, started earlier: not the newest
        await Save(Record(7, device: "orin-1", model: "yolov8n", platform: "jetson-orin-nano-8gb")); // a platform makes another subject
        await Save(Record(7, device: "orin-1", model: "yolov8n", platform: "jetson-orin-nano-8gb")); // same start: the later id wins
        await Save(Record(2, device: "orin-1", model: "yolov8n", weights: "int8"));
        await Save(Record(2, device: "orin-1", model: "yolov8n", unit: "cuda"));
        await Save(Record(4, device: "orin-1", model: "yolov8n", kind: MeasurementKind.Llm)); // another kind, same subject fields otherwise
        await Save(Record(9, device: "pi-5", model: "llama-3.2-1b", kind: MeasurementKind.Llm, weights: "q4_0") with { Status = RunStatus.Interrupted });
        await Save(Record(8, device: "pi-5", model: "llama-3.2-1b", kind: MeasurementKind.Llm, weights: "q4_0"));
        await Save(Record(6, device: "pi-5") with { Subject = new ResultSubject("pi-5", null, null, null, null, null) });
        await Save(Record(6, device: "pi-5") with { Subject = new ResultSubject("pi-5", null, null, null, null, null) });
        await Save(Record(1, device: "pi-5") with { Subject = new ResultSubject("pi-5", null, null, null, null, null), Kind = MeasurementKind.Roofline });

        foreach (var query in new[] { ResultQuery.All, new ResultQuery(Status: RunStatus.Complete), new ResultQuery(Device: "pi-5"), new ResultQuery(Kind: MeasurementKind.Llm, Limit: 1, BeforeId: 2), new ResultQuery(Model: "none") })
        {
            var expected = IResultStore.LatestPerSubject(await results.QueryAsync(query with { Limit = int.MaxValue, BeforeId = null }));
            var latest = await results.LatestPerSubjectAsync(query);

            Assert.Equal(expected.Select(r => r.Id), latest.Select(r => r.Id));
            Assert.Equal(expected.Select(r => (r.Record.Subject, r.Record.Kind, r.Record.StartedAt)), latest.Select(r => (r.Record.Subject, r.Record.Kind, r.Record.StartedAt)));
            Assert.Equal(expected.Select(r => string.Join(";", r.Record.Metrics)), latest.Select(r => string.Join(";", r.Record.Metrics)));
            Assert.Equal(expected.Select(r => r.Record.Samples.Count), latest.Select(r => r.Record.Samples.Count));
        }

        var all = await results.LatestPerSubjectAsync(ResultQuery.All);
        Assert.Equal(8, all.Count);
        Assert.Equal(5, all.Single(r => r.Record.Subject.Platform is null && r.Record.Kind == MeasurementKind.Onnx && r.Record.Subject.Device == "orin-1" && r.Record.Subject.Weights == "fp32" && r.Record.Subject.Unit == "cpu").Record.StartedAt.Minute);
        Assert.Equal(5, all.Single(r => r.Record.Subject.Platform == "jetson-orin-nano-8gb").Id);
        Assert.Equal(12, all.Single(r => r.Record.Subject.Model is null && r.Record.Kind == MeasurementKind.Onnx).Id);
        Assert.Equal(8, (await results.LatestPerSubjectAsync(new ResultQuery(Status: RunStatus.Complete, Device: "pi-5", Kind: MeasurementKind.Llm))).Single().Record.StartedAt.Minute);
    }

    [SkippableFact]
    public async Task A_query_without_samples_reads_every_field_and_metric_but_no_samples()
    {
        var results = (await Store()).Results;
        await results.SaveAsync(Record(0));
        await results.SaveAsync(Record(1, device: "orin-2"));

        foreach (var found in new[] { await results.QueryAsync(new ResultQuery(WithSamples: false)), await results.LatestPerSubjectAsync(new ResultQuery(WithSamples: false)) })
        {
            Assert.Equal(2, found.Count);
            Assert.All(found, r => Assert.Empty(r.Record.Samples));
            Assert.All(found, r => Assert.Equal(Record(r.Record.StartedAt.Minute).Metrics, r.Record.Metrics));
            Assert.Equal(new[] { "orin-2", "orin-1" }, found.Select(r => r.Record.Subject.Device));
        }

        Assert.All(await results.QueryAsync(ResultQuery.All), r => Assert.Equal(2, r.Record.Samples.Count));
        Assert.All(await results.LatestPerSubjectAsync(ResultQuery.All), r => Assert.Equal(2, r.Record.Samples.Count));
    }

    [SkippableFact]
    public async Task Setting_a_group_status_changes_every_record_of_that_run_and_no_other()
    {
        var results = (await Store()).Results;
        await results.SaveAsync(Record(0) with { RunGroup = "run-a", Status = RunStatus.Incomplete });
        await results.SaveAsync(Record(1) with { RunGroup = "run-a", Status = RunStatus.Incomplete });
        await results.SaveAsync(Record(2) with { RunGroup = "run-b", Status = RunStatus.Incomplete });

        Assert.Equal(2, await results.SetGroupStatusAsync("run-a", RunStatus.Complete));
        Assert.Equal(2, await results.CountAsync(new ResultQuery(Status: RunStatus.Complete)));
        Assert.Equal(1, await results.CountAsync(new ResultQuery(Status: RunStatus.Incomplete)));
    }

    [SkippableFact]
    public async Task A_nan_metric_is_refused_with_a_store_error_and_nothing_is_stored()
    {
        var results = (await Store()).Results;
        var error = await Assert.ThrowsAsync<ResultStoreException>(() => results.SaveAsync(Record() with { Metrics = [new Metric("throughput", 1, "samples/s"), new Metric("power.mean", double.NaN, "W")] }));

        Assert.Contains("'power.mean' is NaN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(0, await results.CountAsync(ResultQuery.All));
    }

    [SkippableFact]
    public async Task Concurrent_saves_of_2000_records_from_20_tasks_store_each_exactly_once()
    {
        var results = (await Store()).Results;
        var records = Enumerable.Range(0, 2000).Select(i => Record(minute: i % 60, device: $"device-{i / 60}") with { Parameters = new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Samples = [] }).ToArray();

        // Each task saves its own 100 records and its neighbour's: every record is saved twice, by two tasks racing.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(task => Task.Run(async () =>
        {
            var saved = new List<(int Index, SaveOutcome Outcome)>();
            foreach (var index in Enumerable.Range(task * 100, 100).Concat(Enumerable.Range(((task + 1) % 20) * 100, 100)))
            {
                saved.Add((index, await results.SaveAsync(records[index])));
            }

            return saved;
        })));

        var all = outcomes.SelectMany(o => o).ToArray();
        Assert.Equal(2000, all.Count(o => o.Outcome.Created));
        Assert.All(all.GroupBy(o => o.Index), g => Assert.Single(g.Select(o => o.Outcome.Id).Distinct()));
        Assert.Equal(2000, all.Select(o => o.Outcome.Id).Distinct().Count());
        Assert.Equal(2000, await results.CountAsync(ResultQuery.All));
    }

    [SkippableFact]
    public async Task Saving_a_batch_answers_in_order_with_known_and_repeated_keys_resolved_to_one_id()
    {
        var results = (await Store()).Results;
        var known = await results.SaveAsync(Record(minute: 1));

        var saved = await results.SaveManyAsync([Record(minute: 2), Record(minute: 1) with { Notes = "sent again" }, Record(minute: 3), Record(minute: 2), Record(minute: 4)]);

        Assert.Equal([true, false, true, false, true], saved.Select(s => s.Created));
        Assert.Equal(known.Id, saved[1].Id);
        Assert.Equal(saved[0].Id, saved[3].Id);
        Assert.Equal(4, saved.Select(s => s.Id).Distinct().Count());
        Assert.Equal(4, await results.CountAsync(ResultQuery.All));
        Assert.Equal(new[] { 2, 1, 3, 2, 4 }, await Task.WhenAll(saved.Select(async s => (await results.FindAsync(s.Id))!.Record.StartedAt.Minute)));
        Assert.Equal("note ✓", (await results.FindAsync(known.Id))!.Record.Notes);

        var again = await results.SaveManyAsync([Record(minute: 4), Record(minute: 1)]);
        Assert.Equal([new SaveOutcome(saved[4].Id, false), new SaveOutcome(known.Id, false)], again);
        Assert.Empty(await results.SaveManyAsync([]));
    }

    [SkippableFact]
    public async Task Each_record_of_a_batch_reads_back_with_its_own_metrics_and_samples()
    {
        var results = (await Store()).Results;
        MeasurementRecord Distinct(int n) => Record(minute: n, device: $"board-{n}") with
        {
            Metrics = [.. Enumerable.Range(0, n).Select(i => new Metric($"m{i}", (n * 100) + i, "ms"))],
            Samples = [.. Enumerable.Range(0, n % 3).Select(i => new SampleSeries($"s{i}", "W", [n, i, 0.5], i == 0 ? null : [0.0, 1.0, 2.0]))],
            RunGroup = n % 2 == 0 ? "even" : null,
        };
        var records = Enumerable.Range(0, 6).Select(Distinct).ToArray();

        var saved = await results.SaveManyAsync(records);

        for (var n = 0; n < records.Length; n++)
        {
            var stored = (await results.FindAsync(saved[n].Id))!.Record;
            Assert.Equal(records[n].IdempotencyKey, stored.IdempotencyKey);
            Assert.Equal(records[n].Subject, stored.Subject);
            Assert.Equal(records[n].RunGroup, stored.RunGroup);
            Assert.Equal(records[n].Metrics, stored.Metrics);
            Assert.Equal(
                records[n].Samples.Select(s => (s.Name, string.Join(",", s.Values), string.Join(",", s.SecondsFromStart ?? []))),
                stored.Samples.Select(s => (s.Name, string.Join(",", s.Values), string.Join(",", s.SecondsFromStart ?? []))));
        }
    }

    [SkippableFact]
    public async Task A_batch_with_one_nan_metric_is_refused_whole_with_the_single_save_error_and_nothing_is_stored()
    {
        var results = (await Store()).Results;
        var bad = Record(minute: 2) with { Metrics = [new Metric("throughput", 1, "samples/s"), new Metric("power.mean", double.NaN, "W")] };
        var single = await Assert.ThrowsAsync<ResultStoreException>(() => results.SaveAsync(bad));

        var error = await Assert.ThrowsAsync<ResultStoreException>(() => results.SaveManyAsync([Record(minute: 1), bad, Record(minute: 3)]));

        Assert.Equal(single.Message, error.Message);
        Assert.Contains("'power.mean' is NaN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(0, await results.CountAsync(ResultQuery.All));
    }

    [SkippableFact]
    public async Task Concurrent_batches_of_2000_records_with_overlapping_keys_store_each_exactly_once()
    {
        var results = (await Store()).Results;
        var records = Enumerable.Range(0, 2000).Select(i => Record(minute: i % 60, device: $"device-{i / 60}") with { Parameters = new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } }).ToArray();

        // Each of 20 writers posts its own 100 records and its neighbour's, shuffled, in batches of 25 (with one record repeated in each):
        // every record is in two batches racing in different orders.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(writer => Task.Run(async () =>
        {
            var order = Enumerable.Range(writer * 100, 100).Concat(Enumerable.Range(((writer + 1) % 20) * 100, 100)).OrderBy(i => ((i * 37) + writer) % 101).ToArray();
            var saved = new List<(int Index, SaveOutcome Outcome)>();
            foreach (var batch in order.Chunk(25))
            {
                int[] sent = [.. batch, batch[0]];
                var answer = await results.SaveManyAsync([.. sent.Select(i => records[i])]);
                Assert.Equal(sent.Length, answer.Count);
                Assert.False(answer[^1].Created);
                saved.AddRange(sent.Zip(answer));
            }

            return saved;
        })));

        var all = outcomes.SelectMany(o => o).ToArray();
        Assert.Equal(2000, all.Count(o => o.Outcome.Created));
        Assert.All(all.GroupBy(o => o.Index), g => Assert.Single(g.Select(o => o.Outcome.Id).Distinct()));
        Assert.Equal(2000, all.Select(o => o.Outcome.Id).Distinct().Count());
        Assert.Equal(2000, await results.CountAsync(ResultQuery.All));
        Assert.All(await results.QueryAsync(ResultQuery.All), r => Assert.Equal(2, r.Record.Metrics.Count));
    }

    [SkippableFact]
    public async Task A_device_registers_and_updates_keeping_its_first_registration_time()
    {
        var store = await Store();
        var registered = await store.RegisterDeviceAsync(Device("d1", "orin-nano-1", "jetson"));
        Assert.Equal(Now, registered.RegisteredAt);

        var updated = await store.RegisterDeviceAsync(Device("d1", "orin-nano-1b", "jetson", "desk-2") with { RegisteredAt = Now.AddDays(1), LastSeenAt = Now.AddDays(1) });
        Assert.Equal(Now, updated.RegisteredAt);
        Assert.Equal(Now.AddDays(1), updated.LastSeenAt);
        Assert.Equal(["jetson", "desk-2"], updated.Labels);

        await store.TouchDeviceAsync("d1", Now.AddDays(2));
        var found = (await store.FindDeviceAsync("d1"))!;
        Assert.Equal("orin-nano-1b", found.Name);
        Assert.Equal(Now.AddDays(2), found.LastSeenAt);
        Assert.Equal("jetson-orin-nano-8gb", found.Platform);
        Assert.Equal("orin-nano-1b", found.Fingerprint.Hostname);
        Assert.Equal(["cuda:Orin"], found.Capabilities.Accelerators);
        Assert.Equal([BenchmarkJobKind.Onnx, BenchmarkJobKind.Roofline], found.Capabilities.JobKinds);
        Assert.Equal("1.31.1", found.Capabilities.Runtimes["onnxruntime"]);
        Assert.Null(await store.FindDeviceAsync("d2"));

        await store.RegisterDeviceAsync(Device("d0", "a-pi"));
        Assert.Equal(["a-pi", "orin-nano-1b"], (await store.ListDevicesAsync()).Select(d => d.Name));
    }

    [SkippableFact]
    public async Task A_job_submitted_to_a_device_is_queued_for_that_device_and_an_unknown_device_gets_none()
    {
        var store = await Store();
        await store.RegisterDeviceAsync(Device("d1", "orin-1"));
        await store.RegisterDeviceAsync(Device("d2", "orin-2"));

        var job = Assert.Single(await store.SubmitAsync(Spec(), JobTarget.Device("d1"), "alice", Now));
        Assert.Equal(("d1", JobState.Queued, "alice", Now, 0, (DateTimeOffset?)null), (job.DeviceId, job.State, job.SubmittedBy, job.SubmittedAt, job.Attempts, job.LeaseExpiresAt));
        Assert.Equal(Spec().Model, job.Spec.Model);
        Assert.Equal("10", job.Spec.Parameters["duration"]);
        Assert.Empty(job.ResultIds);
        Assert.Equal(job.Id, (await store.FindJobAsync(job.Id))!.Id);
        Assert.Empty(await store.SubmitAsync(Spec(), JobTarget.Device("nowhere"), "alice", Now));
        Assert.Null(await store.ClaimAsync("d2", Lease, Now));
        Assert.Null(await store.FindJobAsync(job.Id + 100));
    }

    [SkippableFact]
    public async Task A_job_submitted_to_a_label_becomes_one_job_per_device_with_that_label()
    {
        var store = await Store();
        await store.RegisterDeviceAsync(Device("d1", "orin-1", "jetson"));
        await store.RegisterDeviceAsync(Device("d2", "orin-2", "jetson", "desk-2"));
        await store.RegisterDeviceAsync(Device("d3", "pi-5", "desk-2"));

        var jobs = await store.SubmitAsync(Spec(), JobTarget.WithLabel("jetson"), "alice", Now);
        Assert.Equal(["d1", "d2"], jobs.Select(j => j.DeviceId).Order(StringComparer.Ordinal));
        Assert.Empty(await store.SubmitAsync(Spec(), JobTarget.WithLabel("nothing"), "alice", Now));
        Assert.Equal(2, (await store.ListJobsAsync(state: JobState.Queued)).Count);
        Assert.Single(await store.ListJobsAsync(deviceId: "d2"));
        Assert.Empty(await store.ListJobsAsync(deviceId: "d3"));
    }

    [SkippableFact]
    public async Task A_device_claims_its_oldest_queued_job_first_and_jobs_list_newest_first()
    {
        var store = await Store();
        await store.RegisterDeviceAsync(Device("d1", "orin-1"));
        var first = Assert.Single(await store.SubmitAsync(Spec("a"), JobTarget.Device("d1"), "alice", Now));
        var second = Assert.Single(await store.SubmitAsync(Spec("b"), JobTarget.Device("d1"), "alice", Now.AddSeconds(1)));

        var claimed = (await store.ClaimAsync("d1", Lease, Now.AddSeconds(5)))!;
        Assert.Equal(first.Id, claimed.Id);
        Assert.Equal(JobState.Running, claimed.State);
        Assert.Equal(Now.AddSeconds(5) + Lease, claimed.LeaseExpiresAt);
        Assert.Equal(1, claimed.Attempts);
        Assert.Equal(second.Id, (await store.ClaimAsync("d1", Lease, Now.AddSeconds(6)))!.Id);
        Assert.Null(await store.ClaimAsync("d1", Lease, Now.AddSeconds(7)));
        Assert.Equal([second.Id, first.Id], (await store.ListJobsAsync()).Select(j => j.Id));
        Assert.Equal([second.Id], (await store.ListJobsAsync(limit: 1)).Select(j => j.Id));
        Assert.Equal(2, (await store.ListJobsAsync("d1", JobState.Running)).Count);
    }

    [SkippableFact]
    public async Task Twenty_concurrent_claims_over_ten_jobs_get_ten_distinct_jobs()
    {
        var store = await Store();
        await store.RegisterDeviceAsync(Device("d1", "orin-1"));
        for (var i = 0; i < 10; i++)
        {
            await store.SubmitAsync(Spec(), JobTarget.Device("d1"), "alice", Now);
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => store.ClaimAsync("d1", Lease, Now))));

        var claimed = claims.Where(c => c is not null).Select(c => c!.Id).ToArray();
        Assert.Equal(10, claimed.Length);
        Assert.Equal(10, claimed.Distinct().Count());
        Assert.All(await store.ListJobsAsync(), j => Assert.Equal((JobState.Running, 1), (j.State, j.Attempts)));
    }

    [SkippableFact]
    public async Task A_lapsed_lease_returns_the_job_to_the_queue()
    {
        var store = await Store();
        await store.RegisterDeviceAsync(Device("d1", "orin-1"));
        await store.RegisterDeviceAsync(Device("d2", "orin-2"));
        var job = Assert.Single(await store.SubmitAsync(Spec(), JobTarget.Device("d1"), "alice", Now));
        var other = Assert.Single(await store.SubmitAsync(Spec(), JobTarget.Device("d2"), "alice", Now));
        await store.ClaimAsync("d1", Lease, Now);
        await store.ClaimAsync("d2", Lease, Now);

        // Renewed in time: still running.
        Assert.True(await store.RenewLeaseAsync(job.Id, "d1", Lease, Now.AddMinutes(1), "window 3/10"));
        Assert.Null(await store.ClaimAsync("d1", Lease, Now.AddMinutes(2)));
        Assert.Equal("window 3/10", (await store.FindJobAsync(job.Id))!.Message);

        // The agent went silent: the next claim finds the job back in the queue and takes it again.
        var again = (await store.ClaimAsync("d1", Lease, Now.AddMinutes(4)))!;
        Assert.Equal((job.Id, 2, JobState.Running), (again.Id, again.Attempts, again.State));

        // The other device's job lapsed at +2 min; d1's new lease runs to +6 min.
        Assert.Equal(1, await store.RequeueLapsedAsync(Now.AddMinutes(5)));
        var requeued = (await store.FindJobAsync(other.Id))!;
        Assert.Equal((JobState.Queued, (DateTimeOffset?)null), (requeued.State, requeued.LeaseExpiresAt));
        Assert.False(await store.RenewLeaseAsync(other.Id, "d2", Lease, Now.AddMinutes(5), null));
        Assert.Equal(0, await store.RequeueLapsedAsync(Now.AddMinutes(5)));
    }

    [SkippableFact]
    public async Task Renewing_or_finishing_is_refused_for_another_device_a_cancelled_job_or_an_ended_one()
    {
        var store = await Store();
        await store.RegisterDeviceAsync(Device("d1", "orin-1"));
        await store.RegisterDeviceAsync(Device("d2", "orin-2"));
        var job = Assert.Single(await store.SubmitAsync(Spec(), JobTarget.Device("d1"), "alice", Now));

        Assert.False(await store.RenewLeaseAsync(job.Id, "d1", Lease, Now, null));
        Assert.False(await store.FinishAsync(job.Id, "d1", JobState.Succeeded, [], null));
        await store.ClaimAsync("d1", Lease, Now);
        Assert.False(await store.RenewLeaseAsync(job.Id, "d2", Lease, Now, null));
        Assert.False(await store.FinishAsync(job.Id, "d2", JobState.Succeeded, [], null));

        Assert.True(await store.CancelAsync(job.Id, "not needed"));
        var cancelled = (await store.FindJobAsync(job.Id))!;
        Assert.Equal((JobState.Cancelled, "not needed", (DateTimeOffset?)null), (cancelled.State, cancelled.Message, cancelled.LeaseExpiresAt));
        Assert.False(await store.RenewLeaseAsync(job.Id, "d1", Lease, Now, null));
        Assert.False(await store.FinishAsync(job.Id, "d1", JobState.Succeeded, [1], null));
        Assert.False(await store.CancelAsync(job.Id, "again"));

        var second = Assert.Single(await store.SubmitAsync(Spec(), JobTarget.Device("d1"), "alice", Now));
        await store.ClaimAsync("d1", Lease, Now);
        await Assert.ThrowsAsync<InvalidInputException>(() => store.FinishAsync(second.Id, "d1", JobState.Queued, [], null));
        Assert.True(await store.FinishAsync(second.Id, "d1", JobState.Succeeded, [7, 9], "done"));
        var finished = (await store.FindJobAsync(second.Id))!;
        Assert.Equal((JobState.Succeeded, "done", (DateTimeOffset?)null), (finished.State, finished.Message, finished.LeaseExpiresAt));
        Assert.Equal([7L, 9L], finished.ResultIds);
        Assert.False(await store.FinishAsync(second.Id, "d1", JobState.Failed, [], "late"));
        Assert.False(await store.CancelAsync(second.Id, "too late"));
        Assert.False(await store.CancelAsync(second.Id + 100, "unknown"));
    }

    [SkippableFact]
    public async Task Tokens_are_kept_as_hashes_so_the_secret_appears_nowhere_in_the_database()
    {
        var store = await Store();
        var (principal, secret) = await store.CreateTokenAsync("alice", TokenRole.Submitter);

        Assert.StartsWith(LabTokens.Prefix, secret, StringComparison.Ordinal);
        Assert.Equal(LabTokens.Prefix.Length + 64, secret.Length);
        Assert.Equal(principal, await store.VerifyTokenAsync(secret));
        Assert.Equal(("alice", TokenRole.Submitter, (string?)null), (principal.Name, principal.Role, principal.DeviceId));
        Assert.False(await DatabaseContainsAsync(secret));
        Assert.False(await DatabaseContainsAsync(secret[LabTokens.Prefix.Length..]));
        Assert.True(await DatabaseContainsAsync("alice"), "the check can find what is stored");
        Assert.Null(await store.VerifyTokenAsync(secret + "0"));
        Assert.Null(await store.VerifyTokenAsync(string.Empty));
        Assert.NotEqual(secret, (await store.CreateTokenAsync("bob", TokenRole.Reader)).Secret);
    }

    [SkippableFact]
    public async Task A_revoked_token_is_refused()
    {
        var store = await Store();
        var (principal, secret) = await store.CreateTokenAsync("ci", TokenRole.Reader);
        var (_, other) = await store.CreateTokenAsync("dashboard", TokenRole.Reader);

        Assert.True(await store.RevokeTokenAsync(principal.TokenId));
        Assert.Null(await store.VerifyTokenAsync(secret));
        Assert.NotNull(await store.VerifyTokenAsync(other));
        Assert.False(await store.RevokeTokenAsync(principal.TokenId));
        Assert.False(await store.RevokeTokenAsync(principal.TokenId + 100));
    }

    [SkippableFact]
    public async Task An_agent_token_binds_to_the_first_device_it_registers_and_no_other()
    {
        var store = await Store();
        var (agent, secret) = await store.CreateTokenAsync("shelf-agent", TokenRole.Agent);

        await store.BindAgentTokenAsync(agent.TokenId, "d1");
        await store.BindAgentTokenAsync(agent.TokenId, "d2");

        Assert.Equal(agent with { DeviceId = "d1" }, await store.VerifyTokenAsync(secret));
    }
}
