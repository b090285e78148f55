using System.Text.RegularExpressions;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Measurement.Jobs;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// A real <c>wpt agent</c> process (the built CLI) killed with SIGKILL in the middle of a real <c>bench onnx</c> job: its heartbeats stop
/// with it, the lab server (in the test's process, so its lease can be short) returns the job to the queue once the lease lapses, and a
/// second <c>wpt agent</c> process on the same board runs it to the end. The killed agent, started again on its state directory, finds
/// nothing left to do, and no result is stored twice. AgentKilledMidJobTests makes the same fault with the agent in the test's process.
/// </summary>
public sealed partial class AgentProcessKilledMidJobTests : IDisposable
{
    /// <summary>
    /// Short, so the test waits little for it to lapse; the agent beats every third of it (5 s), so a busy machine never lapses it while
    /// the agent lives.
    /// </summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A real benchmark (a catalog network exported with random weights, small input, one thread) whose timed part alone lasts 20 s: the
    /// killed agent is killed within its first heartbeat's time, long before it could end.
    /// </summary>
    private static readonly BenchmarkJob LongJob = new(BenchmarkJobKind.Onnx, "espcn-x2", null, "single-stream", new Dictionary<string, string>
    {
        ["input"] = "64x48",
        ["duration"] = "20",
        ["min-queries"] = "8",
        ["warmup"] = "1",
        ["threads"] = "1",
    });

    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-fault-agent-process-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Wpt_agent_killed_with_SIGKILL_mid_job_the_job_returns_to_the_queue_after_its_lease_and_a_second_agent_finishes_it_once()
    {
        await using var server = await RunningLabServer.StartAsync(SqliteLabStore.Open(Path.Combine(_directory, "lab.db"), new WptProvenance("test", "test", "test")), Lease, requeueInterval: TimeSpan.FromMilliseconds(100));
        var (_, token) = await server.Store.CreateTokenAsync("board-a", TokenRole.Agent);
        var firstState = Path.Combine(_directory, "agent-1");
        await using var first = StartAgent(server, token, firstState);
        var deviceId = (await first.WaitForLineAsync(Registered(), "the agent registering its device")).Groups["device"].Value;
        var job = Assert.Single(await server.Store.SubmitAsync(LongJob, JobTarget.Device(deviceId), "fault-test", DateTimeOffset.UtcNow));

        // The agent claims the job, starts the benchmark and renews the lease with a heartbeat carrying the run's progress.
        await HangGuard.UntilAsync(async () => (await server.Store.FindJobAsync(job.Id))!.State == JobState.Running, "the agent claiming the job");
        var claimed = (await server.Store.FindJobAsync(job.Id))!;
        await first.WaitForLineAsync(new Regex($@"wpt agent: job {job.Id}: running wpt bench onnx espcn-x2"), "the benchmark running");
        await HangGuard.UntilAsync(async () => (await server.Store.FindJobAsync(job.Id))!.LeaseExpiresAt > claimed.LeaseExpiresAt, "a heartbeat renewing the lease");

        await first.KillAsync();

        Assert.Equal(WptProcess.KilledExitCode, first.ExitCode);
        var orphaned = (await server.Store.FindJobAsync(job.Id))!;
        Assert.True(orphaned.State == JobState.Running, $"the agent was to be killed mid-job, but the job was {orphaned.State} ({orphaned.Message}); agent's output:\n{first.Output}");
        Assert.Empty(await server.Store.Results.QueryAsync(ResultQuery.All));

        await HangGuard.UntilAsync(async () => (await server.Store.FindJobAsync(job.Id))!.State == JobState.Queued, "the job returning to the queue after its lease");
        var requeued = (await server.Store.FindJobAsync(job.Id))!;
        Assert.Equal((1, (DateTimeOffset?)null, 0), (requeued.Attempts, requeued.LeaseExpiresAt, requeued.ResultIds.Count));

        // Another agent process for the same board (its own token and state directory, the same name and machine: the same device).
        var (_, secondToken) = await server.Store.CreateTokenAsync("board-a-again", TokenRole.Agent);
        await using var second = StartAgent(server, secondToken, Path.Combine(_directory, "agent-2"), "--once");
        Assert.Equal(0, await second.ExitCodeAsync("the second agent running the job"));

        var done = (await server.Store.FindJobAsync(job.Id))!;
        Assert.True(done.State == JobState.Succeeded, $"the job ended {done.State} ({done.Message}); the second agent's output:\n{second.Output}");
        Assert.Equal(2, done.Attempts);
        Assert.NotEmpty(done.ResultIds);
        Assert.Contains(second.Lines, line => line.Contains($"(device {deviceId})", StringComparison.Ordinal));

        // The killed agent starts again on its own state directory (the lock on it died with the process): the job is no longer
        // queued, nothing of it is left in its outbox, and nothing is stored twice.
        await using var again = StartAgent(server, token, firstState, "--once");
        Assert.Equal(0, await again.ExitCodeAsync("the killed agent starting again"));
        Assert.Contains(again.Lines, line => line.Contains("no job is queued for this device", StringComparison.Ordinal));
        var stored = await server.Store.Results.QueryAsync(ResultQuery.All);
        Assert.Equal(done.ResultIds.Order(), stored.Select(r => r.Id).Order());
        Assert.Equal(stored.Count, stored.Select(r => r.Record.IdempotencyKey).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(done.ResultIds, (await server.Store.FindJobAsync(job.Id))!.ResultIds);
    }

    /// <summary><c>wpt agent</c> as board-a against the server, polling fast; its token through the environment, as a service passes it.</summary>
    private WptProcess StartAgent(RunningLabServer server, string token, string stateDirectory, params string[] more) =>
        WptProcess.Start(
            Path.Combine(_directory, "data"),
            new Dictionary<string, string> { ["WPT_TOKEN"] = token },
            ["agent", "--server", server.Address.GetLeftPart(UriPartial.Authority), "--name", "board-a", "--label", "faults", "--state-dir", stateDirectory, "--poll", "0.2", .. more]);

    [GeneratedRegex(@"wpt agent: registered as board-a \(device (?<device>[a-z0-9-]+)\)")]
    private static partial Regex Registered();
}
