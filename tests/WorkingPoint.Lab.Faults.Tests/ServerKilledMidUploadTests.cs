using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// The lab server killed in the middle of an agent's upload, then started again on the same database file: a real server (Kestrel on
/// 127.0.0.1, SQLite store), a real agent (LabAgent, its SQLite outbox, LabClient over HTTP) and a proxy standing for the network,
/// which kills the server at the chosen point of the upload. The agent retries with its backoff while the server is down, and when it
/// is back every record of the job is stored exactly once and the job succeeds with them.
/// </summary>
public sealed class ServerKilledMidUploadTests : IDisposable
{
    private const int Records = 6;
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-fault-server-").FullName;

    private string Database => Path.Combine(_directory, "lab.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Killed_after_storing_an_upload_but_before_replying_the_retry_after_a_restart_lands_no_second_copy()
    {
        var (board, job, server, log) = await KillMidUploadAsync(UploadFault.AfterStore);
        using (board)
        await using (server)
        {
            var stored = await AssertEachRecordStoredOnceAsync(server.Store, board, job);
            // The record whose reply was lost was stored by the first server; the retry found it under its key.
            Assert.Contains($"uploaded {Records - 1} results (1 more the server had already) of job {job.Id}", log, StringComparison.Ordinal);
            Assert.Equal(Records, stored.Count);
        }
    }

    [Fact]
    public async Task Killed_while_an_upload_was_arriving_the_retry_after_a_restart_stores_it_once()
    {
        var (board, job, server, log) = await KillMidUploadAsync(UploadFault.BeforeStore);
        using (board)
        await using (server)
        {
            await AssertEachRecordStoredOnceAsync(server.Store, board, job);
            Assert.Contains($"uploaded {Records} results of job {job.Id}", log, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Runs one job of <see cref="Records"/> records on an agent; its third upload is hit by <paramref name="fault"/>, the server is
    /// killed there, and started again (a new process would open the same file) only once the agent has failed to reach it.
    /// </summary>
    private async Task<(Board Board, LabJob Job, RunningLabServer Server, string Log)> KillMidUploadAsync(UploadFault fault)
    {
        var first = await RunningLabServer.StartAsync(Open());
        await using var proxy = new FaultProxy(first.Address);
        var (_, token) = await first.Store.CreateTokenAsync("board-a", TokenRole.Agent);
        var board = new Board("board-a", token, proxy.Address, ScriptedExecutor.Saving("board-a", Records));
        var job = await board.RegisterAndQueueJobAsync(first.Store);
        proxy.Arm(fault, uploadsFirst: 2, first.KillAsync);

        var run = board.Agent.RunAsync(CancellationToken.None);
        await HangGuard.Within(proxy.Tripped, "the armed fault");
        // The failed upload itself, then at least one retry that found the server down.
        await HangGuard.UntilAsync(() => board.Log.Count(line => line.Contains("server unreachable (upload)", StringComparison.Ordinal)) >= 2, "the agent retrying against the killed server");
        var second = await RunningLabServer.StartAsync(Open());
        proxy.Route(second.Address);

        Assert.Equal(Lab.Agent.AgentExit.Done, await HangGuard.Within(run, "the agent's run"));
        return (board, job, second, board.LogText);
    }

    private SqliteLabStore Open() => SqliteLabStore.Open(Database, new WptProvenance("test", "test", "test"));

    /// <summary>Every record of the outbox is on the server once, under the id the outbox holds, and the job succeeded with exactly those ids.</summary>
    internal static async Task<IReadOnlyList<StoredMeasurement>> AssertEachRecordStoredOnceAsync(ILabStore store, Board board, LabJob job)
    {
        Assert.Empty(board.Outbox.Pending());
        var stored = await store.Results.QueryAsync(ResultQuery.All);
        var ids = board.Outbox.ServerIdsOf(job.Id);
        Assert.Equal(board.Outbox.Count(), ids.Count);
        Assert.Equal(stored.Count, stored.Select(r => r.Record.IdempotencyKey).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ids.Order(), stored.Where(r => r.Record.Subject.Device == job.DeviceId).Select(r => r.Id).Order());
        var finished = await store.FindJobAsync(job.Id);
        Assert.Equal(JobState.Succeeded, finished!.State);
        Assert.Equal(ids.Order(), finished.ResultIds.Order());
        return stored;
    }
}
