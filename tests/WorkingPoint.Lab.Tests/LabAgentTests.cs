using System.Collections.Concurrent;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Agent;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Tests;

public sealed class LabAgentTests : IDisposable
{
    private static readonly AgentOptions Fast = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(40), TimeSpan.FromMilliseconds(20));

    private readonly string _state = Path.Combine(Path.GetTempPath(), "wpt-agent-tests-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _log = new();

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    private LabAgent Agent(FakeLabClient client, IJobExecutor executor, AgentOutbox outbox, AgentOptions? options = null) =>
        new(client, executor, outbox, new AgentIdentity("board-1", "raspberry-pi-5", ["desk"]), Records.Machine,
            DeviceProbe.Capabilities(Records.Machine, executor, root: _state), options ?? Fast with { Once = true }, _log.Enqueue);

    private static async Task<T> Within<T>(Task<T> task)
    {
        // A hang is a failure, not a timing assert: the bound is far beyond any run's need.
        var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromMinutes(1)));
        Assert.True(finished == task, "the agent did not finish");
        return await task;
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 6000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "the awaited condition never held");
    }

    [Fact]
    public async Task A_claimed_job_runs_its_records_are_uploaded_and_the_job_finishes_succeeded_with_their_ids()
    {
        var client = new FakeLabClient();
        var agent = Agent(client, FakeExecutor.Saving(2), AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, FakeExecutor.Saving(), _state)));
        var jobId = await client.SubmitAsync(Records.Job());

        Assert.Equal(AgentExit.Done, await Within(agent.RunAsync(CancellationToken.None)));

        var results = await client.ResultsAsync();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal(FakeLabClient.DeviceId, r.Record.Subject.Device));
        Assert.All(results, r => Assert.Equal("raspberry-pi-5", r.Record.Subject.Platform));
        var (finishedId, request) = Assert.Single(client.Finished);
        Assert.Equal(jobId, finishedId);
        Assert.Equal(JobState.Succeeded, request.Outcome);
        Assert.Equal(results.Select(r => r.Id).Order(), request.ResultIds.Order());
        Assert.Equal(JobState.Succeeded, (await client.GetJobAsync(jobId)).State);
        Assert.Contains(_log, line => line.StartsWith("registered as board-1", StringComparison.Ordinal));
        Assert.Contains(_log, line => line.StartsWith($"claimed job {jobId}", StringComparison.Ordinal));
        Assert.Contains(_log, line => line.StartsWith("uploaded 2 results", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_of_250_records_goes_up_in_three_batches_and_finishes_with_their_ids_in_order()
    {
        var client = new FakeLabClient();
        var agent = Agent(client, FakeExecutor.Saving(250), AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, FakeExecutor.Saving(), _state)));
        var jobId = await client.SubmitAsync(Records.Job());

        Assert.Equal(AgentExit.Done, await Within(agent.RunAsync(CancellationToken.None)));

        Assert.Equal([100, 100, 50], client.UploadSizes);
        var results = await client.ResultsAsync();
        Assert.Equal(250, results.Count);
        var request = client.Finished.Single().Request;
        Assert.Equal(JobState.Succeeded, request.Outcome);
        // In the order the job made them: the server's ids follow the outbox's order, batch after batch.
        var byId = results.OrderBy(r => r.Id).ToList();
        Assert.Equal(Enumerable.Range(0, 250).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), byId.Select(r => r.Record.Parameters["index"]));
        Assert.Equal(byId.Select(r => r.Id), request.ResultIds);
        Assert.Contains(_log, line => line.StartsWith($"uploaded 250 results of job {jobId}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_batch_whose_reply_is_lost_is_sent_again_and_the_server_keeps_one_copy_of_each()
    {
        var client = new FakeLabClient { LoseNextUploadReply = true };
        var agent = Agent(client, FakeExecutor.Saving(5), AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, FakeExecutor.Saving(), _state)));
        await client.SubmitAsync(Records.Job());

        await Within(agent.RunAsync(CancellationToken.None));

        Assert.Equal([5, 5], client.UploadSizes);
        Assert.Equal(5, client.Keys.Distinct().Count());
        var results = await client.ResultsAsync();
        Assert.Equal(5, results.Count);
        Assert.Equal(results.Select(r => r.Id).Order(), client.Finished.Single().Request.ResultIds.Order());
        Assert.Contains(_log, line => line.Contains("uploaded 0 results (5 more the server had already)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_record_the_server_refuses_stays_in_the_outbox_and_the_rest_of_its_batch_goes_up()
    {
        var client = new FakeLabClient { RefusedModel = "bad" };
        var executor = new FakeExecutor((job, sink, progress, cancellation) =>
        {
            for (var i = 0; i < 7; i++)
            {
                sink.Save(Records.Make(i == 4 ? "bad" : "good", i));
            }

            return Task.CompletedTask;
        });
        using var outbox = AgentOutbox.Open(_state);
        var agent = Agent(client, executor, outbox);
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job());

        await Within(agent.RunAsync(CancellationToken.None));

        var results = await client.ResultsAsync();
        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.Equal("good", r.Record.ModelName));
        Assert.Empty(outbox.Pending());
        Assert.Equal(7, outbox.Count());
        var job = await client.GetJobAsync(jobId);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("('bad') is refused (test)", job.Message, StringComparison.Ordinal);
        Assert.Equal(6, job.ResultIds.Count);
        Assert.Contains(_log, line => line.StartsWith("the server refused result 5 of the outbox", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Registration_reports_the_fingerprint_capabilities_name_platform_and_labels()
    {
        var client = new FakeLabClient();
        var agent = Agent(client, FakeExecutor.Saving(), AgentOutbox.Open(_state));

        await Within(agent.RunAsync(CancellationToken.None));

        var device = Assert.Single(await client.ListDevicesAsync());
        Assert.Equal("board-1", device.Name);
        Assert.Equal("raspberry-pi-5", device.Platform);
        Assert.Equal(["desk"], device.Labels);
        Assert.Equal(Records.Machine.CpuModel, device.Fingerprint.CpuModel);
        Assert.Equal([Measurement.Jobs.BenchmarkJobKind.Onnx, Measurement.Jobs.BenchmarkJobKind.Llm], device.Capabilities.JobKinds);
        Assert.Equal("1.23.2", device.Capabilities.Runtimes["onnxruntime"]);
        Assert.Contains(_log, line => line.Contains("--once: stopping", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Heartbeats_renew_the_lease_while_the_job_runs_and_carry_its_progress()
    {
        var client = new FakeLabClient();
        var executor = new FakeExecutor(async (job, sink, progress, cancellation) =>
        {
            progress.Report("single-stream 50 %");
            await Until(() => client.Heartbeats >= 2);
            sink.Save(Records.Make("m"));
        });
        var agent = Agent(client, executor, AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job());

        await Within(agent.RunAsync(CancellationToken.None));

        Assert.True(client.Heartbeats >= 2);
        Assert.Contains(_log, line => line == $"job {jobId}: single-stream 50 %");
        Assert.Equal(JobState.Succeeded, (await client.GetJobAsync(jobId)).State);
    }

    [Fact]
    public async Task A_heartbeat_answered_409_cancels_the_running_job_and_what_it_finished_is_still_uploaded()
    {
        var client = new FakeLabClient();
        var executor = new FakeExecutor(async (job, sink, progress, cancellation) =>
        {
            sink.SavePart(Records.Make("m", 0));
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
                sink.FinishParts(RunStatus.Interrupted);
                throw;
            }
        });
        var agent = Agent(client, executor, AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job());
        var run = agent.RunAsync(CancellationToken.None);
        await Until(() => executor.Runs == 1);

        await client.CancelJobAsync(jobId);

        Assert.Equal(AgentExit.Done, await Within(run));
        Assert.Equal(JobState.Cancelled, (await client.GetJobAsync(jobId)).State);
        Assert.Empty(client.Finished);
        var result = Assert.Single(await client.ResultsAsync());
        Assert.Equal(RunStatus.Interrupted, result.Record.Status);
        Assert.Contains(_log, line => line.Contains($"job {jobId} is no longer this agent's", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Results_made_while_the_server_is_unreachable_stay_in_the_outbox_and_are_uploaded_exactly_once_when_it_answers()
    {
        var client = new FakeLabClient();
        var executor = new FakeExecutor((job, sink, progress, cancellation) =>
        {
            sink.Save(Records.Make("a"));
            sink.Save(Records.Make("b"));
            client.Unreachable = true; // The network drops as the job ends.
            return Task.CompletedTask;
        });
        using var outbox = AgentOutbox.Open(_state);
        var agent = Agent(client, executor, outbox);
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job());
        var run = agent.RunAsync(CancellationToken.None);
        await Until(() => _log.Any(line => line.StartsWith("server unreachable (upload)", StringComparison.Ordinal)));
        Assert.Equal(2, outbox.Pending().Count);
        Assert.Empty(await client.Store.QueryAsync(ResultQuery.All));

        client.Unreachable = false;

        await Within(run);
        Assert.Empty(outbox.Pending());
        Assert.Equal(2, (await client.ResultsAsync()).Count);
        Assert.Equal(2, client.Keys.Count); // Each record sent once: the failed tries never reached the server.
        Assert.Equal(JobState.Succeeded, (await client.GetJobAsync(jobId)).State);
        Assert.Equal(2, client.Finished.Single().Request.ResultIds.Count);
    }

    [Fact]
    public async Task An_upload_whose_reply_is_lost_is_retried_and_the_server_keeps_one_copy()
    {
        var client = new FakeLabClient { LoseNextUploadReply = true };
        var agent = Agent(client, FakeExecutor.Saving(1), AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, FakeExecutor.Saving(), _state)));
        var jobId = await client.SubmitAsync(Records.Job());

        await Within(agent.RunAsync(CancellationToken.None));

        Assert.Equal(2, client.UploadCalls);
        Assert.Equal(2, client.Keys.Count);
        Assert.Single(client.Keys.Distinct());
        var stored = Assert.Single(await client.ResultsAsync());
        Assert.Equal([stored.Id], client.Finished.Single().Request.ResultIds);
        Assert.Contains(_log, line => line.Contains("1 more the server had already", StringComparison.Ordinal));
        Assert.Equal(JobState.Succeeded, (await client.GetJobAsync(jobId)).State);
    }

    [Fact]
    public async Task An_agent_stopped_mid_job_while_the_server_is_away_keeps_the_finished_records_and_the_next_start_uploads_them()
    {
        var client = new FakeLabClient();
        using var stop = new CancellationTokenSource();
        var executor = new FakeExecutor(async (job, sink, progress, cancellation) =>
        {
            sink.Save(Records.Make("finished"));
            client.Unreachable = true;
            await stop.CancelAsync(); // SIGTERM while the second measurement runs and the network is down.
            await Task.Delay(Timeout.Infinite, cancellation);
        });
        var outbox = AgentOutbox.Open(_state);
        var agent = Agent(client, executor, outbox, Fast);
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job());

        Assert.Equal(AgentExit.Stopped, await Within(agent.RunAsync(stop.Token)));
        Assert.Single(outbox.Pending());
        outbox.Dispose();
        Assert.Empty(await client.Store.QueryAsync(ResultQuery.All));
        Assert.Contains(_log, line => line.StartsWith("stopping with 1 result not uploaded", StringComparison.Ordinal));

        client.Unreachable = false;
        using var reopened = AgentOutbox.Open(_state);
        var next = Agent(client, FakeExecutor.Saving(0), reopened);

        await Within(next.RunAsync(CancellationToken.None));

        Assert.Empty(reopened.Pending());
        var result = Assert.Single(await client.ResultsAsync());
        Assert.Equal("finished", result.Record.ModelName);
        Assert.Single(client.Keys);
        // The stopped agent never finished the job: it stays leased until its lease lapses, then runs again.
        Assert.NotEqual(JobState.Queued, (await client.GetJobAsync(jobId)).State);
    }

    [Fact]
    public async Task A_stop_during_a_job_interrupts_it_uploads_its_partial_record_and_fails_the_job_with_the_reason()
    {
        var client = new FakeLabClient();
        using var stop = new CancellationTokenSource();
        var executor = new FakeExecutor(async (job, sink, progress, cancellation) =>
        {
            await stop.CancelAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
                sink.Save(Records.Make("partial"), RunStatus.Interrupted);
                throw;
            }
        });
        var agent = Agent(client, executor, AgentOutbox.Open(_state), Fast);
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job());

        Assert.Equal(AgentExit.Stopped, await Within(agent.RunAsync(stop.Token)));

        var result = Assert.Single(await client.ResultsAsync());
        Assert.Equal(RunStatus.Interrupted, result.Record.Status);
        var job = await client.GetJobAsync(jobId);
        Assert.Equal(JobState.Failed, job.State);
        Assert.StartsWith("interrupted", job.Message, StringComparison.Ordinal);
        Assert.Equal([result.Id], job.ResultIds);
    }

    [Fact]
    public async Task A_job_that_cannot_run_fails_with_its_one_line_reason_and_the_agent_goes_on()
    {
        var client = new FakeLabClient();
        var executor = new FakeExecutor((job, sink, progress, cancellation) => throw new WorkingPoint.Core.InvalidInputException("model 'nope' is not in the catalog; wpt models lists them."));
        var agent = Agent(client, executor, AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job("nope"));

        Assert.Equal(AgentExit.Done, await Within(agent.RunAsync(CancellationToken.None)));

        var job = await client.GetJobAsync(jobId);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal("model 'nope' is not in the catalog; wpt models lists them.", job.Message);
    }

    [Fact]
    public async Task A_job_of_a_kind_the_executor_cannot_run_fails_without_running()
    {
        var client = new FakeLabClient();
        var executor = FakeExecutor.Saving();
        var agent = Agent(client, executor, AgentOutbox.Open(_state));
        await client.RegisterAsync(new RegisterRequest("board-1", null, [], Records.Machine, DeviceProbe.Capabilities(Records.Machine, executor, _state)));
        var jobId = await client.SubmitAsync(Records.Job() with { Kind = Measurement.Jobs.BenchmarkJobKind.Roofline, Model = null });

        await Within(agent.RunAsync(CancellationToken.None));

        Assert.Equal(0, executor.Runs);
        var job = await client.GetJobAsync(jobId);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("cannot run roofline jobs", job.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_waits_out_an_unreachable_server_at_registration_then_registers()
    {
        var client = new FakeLabClient { Unreachable = true };
        var agent = Agent(client, FakeExecutor.Saving(), AgentOutbox.Open(_state));
        var run = agent.RunAsync(CancellationToken.None);
        await Until(() => _log.Count(line => line.StartsWith("server unreachable — retrying in", StringComparison.Ordinal)) >= 2);

        client.Unreachable = false;

        Assert.Equal(AgentExit.Done, await Within(run));
        Assert.Single(await client.ListDevicesAsync());
    }

    [Fact]
    public async Task Without_once_the_agent_polls_runs_every_queued_job_and_stops_on_its_token()
    {
        var client = new FakeLabClient();
        var executor = FakeExecutor.Saving(1);
        using var stop = new CancellationTokenSource();
        var agent = Agent(client, executor, AgentOutbox.Open(_state), Fast);
        var run = agent.RunAsync(stop.Token);
        await Until(() => agent.Device is not null);
        await client.SubmitAsync(Records.Job("a"));
        await client.SubmitAsync(Records.Job("b"));
        await Until(() => client.Finished.Count == 2);

        await stop.CancelAsync();

        Assert.Equal(AgentExit.Stopped, await Within(run));
        Assert.Equal(2, (await client.ResultsAsync()).Count);
    }

    [Fact]
    public void A_second_agent_on_the_same_state_directory_is_refused_with_one_line()
    {
        using var first = AgentOutbox.Open(_state);

        var error = Assert.Throws<WorkingPoint.Core.InvalidInputException>(() => AgentOutbox.Open(_state));

        Assert.Contains("--state-dir", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_whose_outbox_row_was_never_written_is_still_pending()
    {
        // A crash between saving the record and its outbox row: the record must not be forgotten.
        using (var store = new WorkingPoint.Results.Sqlite.SqliteResultStore(Path.Combine(_state, AgentOutbox.DatabaseFileName)))
        {
            store.Save(Records.Make("orphan"));
        }

        using var outbox = AgentOutbox.Open(_state);

        var (localId, jobId) = Assert.Single(outbox.Pending());
        Assert.Null(jobId);
        Assert.Equal("orphan", outbox.Read(localId).ModelName);
    }
}
