using WorkingPoint.Lab.Agent;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// The server killed in the middle of an agent's upload, as a machine kills it: a real <c>wpt serve</c> process (the built CLI) on a
/// SQLite file or on PostgreSQL, killed with SIGKILL by the network proxy at the chosen point of the agent's third upload (so no
/// request finishes and no shutdown code runs), then a new <c>wpt serve</c> process started on the same database. The agent (a real
/// LabAgent with its SQLite outbox, over HTTP through the proxy) retries with backoff while no server answers; when the new one does,
/// every record of the job is stored exactly once and the job succeeds with them. ServerKilledMidUploadTests makes the same faults
/// with the server in the test's process.
/// </summary>
public sealed class ServeProcessKilledMidUploadTests : IDisposable
{
    private const int Records = 6;
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-fault-serve-").FullName;

    private string DataDirectory => Path.Combine(_directory, "data");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SkippableTheory]
    [InlineData(LabDatabase.Sqlite)]
    [InlineData(LabDatabase.Postgres)]
    public async Task Wpt_serve_killed_after_storing_an_upload_but_before_replying_then_started_again_lands_no_second_copy(string database)
    {
        var (log, stored, job) = await KillMidUploadAsync(database, UploadFault.AfterStore);

        // The record whose reply was lost was stored by the killed server; the retry found it under its key.
        Assert.Contains($"uploaded {Records - 1} results (1 more the server had already) of job {job}", log, StringComparison.Ordinal);
        Assert.Equal(Records, stored);
    }

    [SkippableTheory]
    [InlineData(LabDatabase.Sqlite)]
    [InlineData(LabDatabase.Postgres)]
    public async Task Wpt_serve_killed_while_an_upload_was_arriving_then_started_again_stores_it_once(string database)
    {
        var (log, stored, job) = await KillMidUploadAsync(database, UploadFault.BeforeStore);

        Assert.Contains($"uploaded {Records} results of job {job}", log, StringComparison.Ordinal);
        Assert.Equal(Records, stored);
    }

    /// <summary>
    /// Runs one job of <see cref="Records"/> records on an agent uploading one record per request through a wpt serve process; the
    /// third upload is hit by <paramref name="fault"/>, where the process is killed; a second process is started on the same database
    /// once the agent has failed to reach the first at least twice. Checks each record is stored once; returns the agent's log, the
    /// number of results stored and the job's id.
    /// </summary>
    private async Task<(string Log, int Stored, long Job)> KillMidUploadAsync(string database, UploadFault fault)
    {
        await using var lab = await LabDatabase.CreateAsync(database, _directory);
        await using var store = await lab.OpenAsync();
        var (_, token) = await store.CreateTokenAsync("board-a", TokenRole.Agent);
        await using var first = await lab.ServeAsync(DataDirectory);
        await using var proxy = new FaultProxy(first.Address);
        using var board = new Board("board-a", token, proxy.Address, ScriptedExecutor.Saving("board-a", Records));
        var job = await board.RegisterAndQueueJobAsync(store);
        proxy.Arm(fault, uploadsFirst: 2, first.KillAsync);

        var run = board.Agent.RunAsync(CancellationToken.None);
        await HangGuard.Within(proxy.Tripped, "the armed fault killing wpt serve");
        Assert.Equal(WptProcess.KilledExitCode, first.Process.ExitCode);
        // The failed upload itself, then at least one retry that found no server.
        await HangGuard.UntilAsync(() => board.Log.Count(line => line.Contains("server unreachable (upload)", StringComparison.Ordinal)) >= 2, "the agent retrying against the killed server");
        await using var second = await lab.ServeAsync(DataDirectory);
        proxy.Route(second.Address);

        Assert.Equal(AgentExit.Done, await HangGuard.Within(run, "the agent's run", () => board.LogText));
        var stored = await ServerKilledMidUploadTests.AssertEachRecordStoredOnceAsync(store, board, job);
        Assert.False(second.Process.HasExited, $"the second wpt serve exited: {second.Process.Output}");
        return (board.LogText, stored.Count, job.Id);
    }
}
