using System.Collections.Concurrent;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab.Agent;
using WorkingPoint.Lab.Client;
using WorkingPoint.Lab.Postgres;
using WorkingPoint.Results;
using WorkingPoint.Server.DashboardPages;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// The lab's PostgreSQL stopped (fast shutdown: sessions ended, open transactions rolled back) and started again while agents upload:
/// every upload the server acknowledged is stored afterwards, the ones that failed meanwhile were answered 503 (never a 500) and
/// retried by their agents, and every record lands exactly once. A cluster of the test's own is restarted (see RestartablePostgres).
/// </summary>
public sealed class DatabaseRestartTests
{
    private const int Boards = 12;
    private const int RecordsPerBoard = 40;
    private static readonly WptProvenance Writer = new("test", "test", "test");

    [SkippableFact]
    public async Task The_database_restarted_under_load_loses_no_acknowledged_result_and_stores_each_record_once()
    {
        await using var cluster = await RestartablePostgres.CreateAsync();
        await using var server = await RunningLabServer.StartAsync(await PostgresLabStore.OpenAsync(cluster.ConnectionString, Writer));
        var replies = new ConcurrentQueue<(string Path, int Status, string Body)>();
        // After an eighth of the uploads are acknowledged the rest wait for the outage, so they meet it however fast this machine is.
        var outage = new OutageGate(holdAfterAcknowledged: Boards * RecordsPerBoard / 8);
        var boards = new List<Board>();
        try
        {
            var jobs = new List<LabJob>();
            for (var i = 0; i < Boards; i++)
            {
                var name = $"board-{i:00}";
                var (_, token) = await server.Store.CreateTokenAsync(name, TokenRole.Agent);
                var board = new Board(name, token, server.Address, ScriptedExecutor.Saving(name, RecordsPerBoard), new RecordingHandler(replies, outage));
                boards.Add(board);
                jobs.Add(await board.RegisterAndQueueJobAsync(server.Store));
            }

            var runs = boards.Select(board => Task.Run(() => board.Agent.RunAsync(CancellationToken.None))).ToList();
            const int total = Boards * RecordsPerBoard;
            await HangGuard.Within(outage.Holding, "the first uploads landing");
            var (storedBefore, _) = await cluster.CountResultsAsync();

            await cluster.StopAsync();
            outage.Open();
            // While it is down every request fails; a few such replies show the agents were uploading into the outage.
            await HangGuard.UntilAsync(() => replies.Count(r => r.Status >= 500) >= Boards, "uploads failing while the database is down");
            await cluster.StartAsync();

            var exits = await HangGuard.Within(Task.WhenAll(runs), "the agents' runs");

            Assert.All(exits, exit => Assert.Equal(AgentExit.Done, exit));
            Assert.True(storedBefore < total, $"the database stopped after all {total} uploads; the test did not test an outage under load");
            var failures = replies.Where(r => r.Status >= 500).ToList();
            Assert.All(failures, failure =>
            {
                Assert.True(failure.Status == 503, $"{failure.Path} answered {failure.Status} during the restart: {failure.Body}");
                Assert.Contains("database is unavailable", failure.Body, StringComparison.Ordinal);
            });
            Assert.Equal((total, total), await cluster.CountResultsAsync());
            for (var i = 0; i < Boards; i++)
            {
                await AssertAcknowledgedStoredAsync(server.Store, boards[i], jobs[i]);
            }
        }
        finally
        {
            boards.ForEach(board => board.Dispose());
        }
    }

    [SkippableFact]
    public async Task While_the_database_is_down_an_upload_is_answered_503_with_one_line_and_lands_once_when_it_is_back()
    {
        await using var cluster = await RestartablePostgres.CreateAsync();
        await using var server = await RunningLabServer.StartAsync(await PostgresLabStore.OpenAsync(cluster.ConnectionString, Writer));
        var (_, token) = await server.Store.CreateTokenAsync("pusher", TokenRole.Submitter);
        using var client = new LabClient(server.Address, token, new LabClientOptions(TimeSpan.FromSeconds(30), 0, TimeSpan.Zero));
        var upload = new UploadRequest([Board.Record("board-a", 1)]);

        await cluster.StopAsync();
        var refused = await Assert.ThrowsAsync<LabServerException>(() => client.UploadAsync(upload));
        await cluster.StartAsync();
        var first = await HangGuard.Within(UploadOnceBackAsync(client, upload), "the upload after the restart");
        var second = Assert.Single((await client.UploadAsync(upload)).Saved);

        Assert.Equal(503, refused.StatusCode);
        Assert.True(refused.IsRetryable);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains("database is unavailable", refused.Message, StringComparison.Ordinal);
        Assert.True(first.Created);
        Assert.Equal((first.Id, false), (second.Id, second.Created));
        Assert.Equal((1, 1), await cluster.CountResultsAsync());
    }

    [SkippableFact]
    public async Task While_the_database_is_down_the_dashboard_pages_answer_503_with_Retry_After_and_one_line_and_load_again_when_it_is_back()
    {
        await using var cluster = await RestartablePostgres.CreateAsync();
        await using var server = await RunningLabServer.StartAsync(await PostgresLabStore.OpenAsync(cluster.ConnectionString, Writer));
        var (_, reader) = await server.Store.CreateTokenAsync("rita", TokenRole.Reader);
        var stored = await server.Store.Results.SaveAsync(Board.Record("board-a", 1));
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.Address };
        string[] pages =
        [
            DashboardRoutes.Devices, DashboardRoutes.Jobs, DashboardRoutes.Results, DashboardRoutes.Result(stored.Id), $"{DashboardRoutes.Compare}?id={stored.Id}&id={stored.Id}",
            DashboardRoutes.Matrix, DashboardRoutes.UseCases, DashboardRoutes.Plot(stored.Id, "latency"),
        ];

        await cluster.StopAsync();
        var refusals = new List<(string Page, string Via, HttpResponseMessage Response, string Body)>();
        foreach (var page in pages)
        {
            // A script's bearer header and a browser's session cookie: both are verified against the store, which is down.
            foreach (var via in new[] { "bearer", "cookie" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, page);
                if (via == "bearer")
                {
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", reader);
                }
                else
                {
                    request.Headers.Add("Cookie", "wpt_dashboard=" + reader);
                }

                var response = await browser.SendAsync(request);
                refusals.Add((page, via, response, await response.Content.ReadAsStringAsync()));
            }
        }

        using var login = await browser.PostAsync(DashboardRoutes.Login, new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = reader, ["return"] = DashboardRoutes.Matrix }));
        refusals.Add((DashboardRoutes.Login, "form", login, await login.Content.ReadAsStringAsync()));
        await cluster.StartAsync();

        Assert.All(refusals, refusal =>
        {
            var (page, via, response, body) = refusal;
            Assert.True((int)response.StatusCode == 503, $"{page} ({via}) answered {(int)response.StatusCode} while the database was down: {body}");
            Assert.Equal("2", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Single(body.TrimEnd('\n').Split('\n'));
            Assert.StartsWith("The lab's database is unavailable (", body, StringComparison.Ordinal);
            Assert.Contains("reload", body, StringComparison.Ordinal);
        });
        refusals.ForEach(refusal => refusal.Response.Dispose());

        // Back: the pages load (the first request may meet a pooled connection the restart broke, a 503 too, as a reload would).
        await HangGuard.UntilAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, DashboardRoutes.Matrix);
            request.Headers.Add("Cookie", "wpt_dashboard=" + reader);
            using var response = await browser.SendAsync(request);
            Assert.True(response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.ServiceUnavailable, $"the matrix answered {(int)response.StatusCode} after the restart");
            return response.StatusCode == System.Net.HttpStatusCode.OK;
        }, "the matrix loading after the restart");
    }

    /// <summary>The first upload after a restart may meet a pooled connection the restart broke (a 503 too); it is retried, as an agent does.</summary>
    private static async Task<SaveOutcome> UploadOnceBackAsync(LabClient client, UploadRequest upload)
    {
        while (true)
        {
            try
            {
                return Assert.Single((await client.UploadAsync(upload)).Saved);
            }
            catch (LabServerException ex) when (ex.StatusCode == 503)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Every record the server acknowledged to this board (its outbox holds the id) is stored, with that record's key, and its job succeeded with them.</summary>
    private static async Task AssertAcknowledgedStoredAsync(ILabStore store, Board board, LabJob job)
    {
        Assert.Empty(board.Outbox.Pending());
        var ids = board.Outbox.ServerIdsOf(job.Id);
        Assert.Equal(RecordsPerBoard, ids.Count);
        foreach (var id in ids)
        {
            var stored = await store.Results.FindAsync(id);
            Assert.NotNull(stored);
            Assert.Equal(board.Name, stored.Record.Platform.Hostname);
        }

        var finished = (await store.FindJobAsync(job.Id))!;
        Assert.Equal(JobState.Succeeded, finished.State);
        Assert.Equal(ids.Order(), finished.ResultIds.Order());
    }

    /// <summary>Holds uploads back once enough were acknowledged, until the test has stopped the database and opens it.</summary>
    private sealed class OutageGate(int holdAfterAcknowledged)
    {
        private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _acknowledged;

        /// <summary>Completes when uploads start to be held.</summary>
        public Task Holding => _holding.Task;

        public void Open() => _open.TrySetResult();

        public async Task BeforeUploadAsync(CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _acknowledged) >= holdAfterAcknowledged)
            {
                _holding.TrySetResult();
                await _open.Task.WaitAsync(cancellationToken);
            }
        }

        public void Acknowledged() => Interlocked.Increment(ref _acknowledged);
    }

    /// <summary>Notes every reply's status (and a failure's body) on its way to the agent's client; uploads pass the outage gate.</summary>
    private sealed class RecordingHandler(ConcurrentQueue<(string Path, int Status, string Body)> replies, OutageGate outage) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var upload = request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath == LabApi.Results;
            if (upload)
            {
                await outage.BeforeUploadAsync(cancellationToken);
            }

            var response = await base.SendAsync(request, cancellationToken);
            var body = response.IsSuccessStatusCode ? string.Empty : await response.Content.ReadAsStringAsync(cancellationToken);
            replies.Enqueue((request.RequestUri?.AbsolutePath ?? "?", (int)response.StatusCode, body));
            if (upload && response.IsSuccessStatusCode)
            {
                outage.Acknowledged();
            }

            return response;
        }
    }
}
