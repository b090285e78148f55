using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab.Agent;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// An agent that dies in the middle of a job: its heartbeats stop abruptly (every connection of it reset, none let through again), so
/// the real server's lapsed-lease requeuer returns the job to the queue and another agent of the same board runs it. The store-level
/// rule (a lapsed lease requeues) is tested in LabStoreConformanceTests and the server's requeuer with raw claims in LabApiTests; here a
/// real agent holds the lease with real heartbeats until it is cut off.
/// </summary>
public sealed class AgentKilledMidJobTests : IDisposable
{
    // Short, so the test waits little for it to lapse; thirty heartbeats long, so a busy machine never lapses it while the agent lives.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-fault-agent-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_job_whose_agent_dies_mid_run_returns_to_the_queue_after_its_lease_and_another_agent_finishes_it()
    {
        await using var server = await RunningLabServer.StartAsync(SqliteLabStore.Open(Path.Combine(_directory, "lab.db"), new WptProvenance("test", "test", "test")), Lease, requeueInterval: TimeSpan.FromMilliseconds(100));
        await using var network = new FaultProxy(server.Address);
        var (_, dyingToken) = await server.Store.CreateTokenAsync("board-a", TokenRole.Agent);
        var firstRecordSaved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A long job: one record early, then it runs until stopped (the agent dies before it ends).
        using var dying = new Board("board-a", dyingToken, network.Address, new ScriptedExecutor(async (sink, progress, cancellation) =>
        {
            sink.Save(Board.Record("board-a", 100));
            progress.Report("window 1/10");
            firstRecordSaved.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellation);
        }));
        var job = await dying.RegisterAndQueueJobAsync(server.Store);
        var dyingRun = dying.Agent.RunAsync(CancellationToken.None);

        // The agent has the job and has renewed its lease at least once: a heartbeat reached the server.
        await HangGuard.Within(firstRecordSaved.Task, "the job starting");
        var claimed = await server.Store.FindJobAsync(job.Id);
        Assert.Equal(JobState.Running, claimed!.State);
        await HangGuard.UntilAsync(async () => (await server.Store.FindJobAsync(job.Id))!.LeaseExpiresAt > claimed.LeaseExpiresAt, "a heartbeat renewing the lease");

        network.Sever();
        await HangGuard.UntilAsync(async () => (await server.Store.FindJobAsync(job.Id))!.State == JobState.Queued, "the job returning to the queue");

        var requeued = (await server.Store.FindJobAsync(job.Id))!;
        Assert.Equal((1, (DateTimeOffset?)null), (requeued.Attempts, requeued.LeaseExpiresAt));
        Assert.Empty(await server.Store.Results.QueryAsync(ResultQuery.All));
        Assert.Contains(dying.Log, line => line.Contains($"job {job.Id}: heartbeat failed", StringComparison.Ordinal));

        // The board's agent starts again (a new process: its own token and state directory, the same name and machine, so the same device).
        var (_, token) = await server.Store.CreateTokenAsync("board-a-again", TokenRole.Agent);
        using var again = new Board("board-a", token, server.Address, ScriptedExecutor.Saving("board-a", 2));
        Assert.Equal(AgentExit.Done, await HangGuard.Within(again.Agent.RunAsync(CancellationToken.None), "the second agent's run"));

        var done = (await server.Store.FindJobAsync(job.Id))!;
        Assert.Equal((JobState.Succeeded, 2), (done.State, done.Attempts));
        Assert.Equal(again.Outbox.ServerIdsOf(job.Id).Order(), done.ResultIds.Order());
        Assert.Equal(claimed.DeviceId, again.Agent.Device!.Id);

        // The cut-off agent's network comes back: its next heartbeat is refused (409), it stops the job, uploads what it had measured
        // (once), and leaves the job as the other agent finished it.
        network.Heal();
        Assert.Equal(AgentExit.Done, await HangGuard.Within(dyingRun, "the cut-off agent noticing it lost the job", () => $"its log ({dying.Log.Count} lines), first and last lines:\n{string.Join('\n', dying.Log.Take(6))}\n...\n{string.Join('\n', dying.Log.TakeLast(6))}"));
        Assert.Contains(dying.Log, line => line.Contains($"job {job.Id} is no longer this agent's", StringComparison.Ordinal));
        Assert.Empty(dying.Outbox.Pending());
        var stored = await server.Store.Results.QueryAsync(ResultQuery.All);
        Assert.Equal(3, stored.Count);
        Assert.Equal(3, stored.Select(r => r.Record.IdempotencyKey).Distinct(StringComparer.Ordinal).Count());
        var after = (await server.Store.FindJobAsync(job.Id))!;
        Assert.Equal(JobState.Succeeded, after.State);
        Assert.Equal(done.ResultIds, after.ResultIds);
    }
}
