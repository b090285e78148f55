using System.Net;
using WorkingPoint.Lab;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Server.Tests;

public sealed class AuthorisationOverInMemoryStoreTests : AuthorisationTests
{
    protected override ILabStore CreateStore() => new InMemoryLabStore();
}

/// <summary>
/// Each role against each endpoint, from the one table of who may call what (<see cref="Allowed"/>): a role the table admits gets
/// the call's success status, any other role 403, no token or a bad one 401. A lab is set up first (an agent's registered device,
/// a running job, a stored result, a spare token), so every admitted call has something to act on.
/// </summary>
public abstract class AuthorisationTests
{
    protected abstract ILabStore CreateStore();

    private static async Task<string> JobsAsText(ILabStore store) =>
        System.Text.Json.JsonSerializer.Serialize(await store.ListJobsAsync(), WorkingPoint.Results.ResultJson.Options);

    /// <summary>Endpoint → the roles that may call it, and the status an admitted call gets on the set-up lab.</summary>
    private static readonly Dictionary<string, (TokenRole[] Roles, HttpStatusCode Success)> Allowed = new()
    {
        ["POST register"] = ([TokenRole.Agent], HttpStatusCode.OK),
        ["GET devices"] = ([TokenRole.Reader, TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["POST jobs"] = ([TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["GET jobs"] = ([TokenRole.Reader, TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["GET job"] = ([TokenRole.Reader, TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["POST cancel"] = ([TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["POST claim"] = ([TokenRole.Agent], HttpStatusCode.NoContent),
        ["POST heartbeat"] = ([TokenRole.Agent], HttpStatusCode.OK),
        ["POST finish"] = ([TokenRole.Agent], HttpStatusCode.OK),
        ["POST results"] = ([TokenRole.Agent, TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["GET results"] = ([TokenRole.Reader, TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["GET result"] = ([TokenRole.Reader, TokenRole.Submitter, TokenRole.Admin], HttpStatusCode.OK),
        ["POST tokens"] = ([TokenRole.Admin], HttpStatusCode.Created),
        ["DELETE token"] = ([TokenRole.Admin], HttpStatusCode.NoContent),
    };

    public static TheoryData<string, string, HttpStatusCode> Table()
    {
        var table = new TheoryData<string, string, HttpStatusCode>();
        foreach (var (endpoint, (roles, success)) in Allowed)
        {
            foreach (var role in Enum.GetValues<TokenRole>())
            {
                table.Add(endpoint, role.ToString(), roles.Contains(role) ? success : HttpStatusCode.Forbidden);
            }

            table.Add(endpoint, "none", HttpStatusCode.Unauthorized);
            table.Add(endpoint, "bad-token", HttpStatusCode.Unauthorized);
        }

        return table;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task Each_role_may_call_exactly_the_endpoints_its_rights_name(string endpoint, string caller, HttpStatusCode expected)
    {
        await using var server = await LabTestServer.StartAsync(CreateStore());
        var (agent, agentSecret) = await server.Store.CreateTokenAsync("board", TokenRole.Agent);
        var agentClient = server.Client(agentSecret);
        var device = await agentClient.RegisterAsync("board-a", "jetson");
        var submitter = await server.ClientWithRoleAsync(TokenRole.Submitter);
        var job = Assert.Single(await (await submitter.PostAsync(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, device.Id, null)))).ReadAsync<LabJob[]>());
        await (await agentClient.PostAsync(LabApi.Claim, null)).ReadAsync<LabJob>();
        var result = Assert.Single((await (await agentClient.PostAsync(LabApi.Results, Lab.Json(new UploadRequest([Lab.Record("board-a")])))).ReadAsync<UploadResponse>()).Saved);
        var (spare, _) = await server.Store.CreateTokenAsync("spare", TokenRole.Reader);

        var client = caller switch
        {
            "none" => server.Client(null),
            "bad-token" => server.Client("wpt_not-a-token"),
            nameof(TokenRole.Agent) => agentClient,
            _ => await server.ClientWithRoleAsync(Enum.Parse<TokenRole>(caller), "caller"),
        };
        using var request = endpoint switch
        {
            "POST register" => Post(LabApi.Register, Lab.Json(Lab.Registration("board-a", "jetson"))),
            "GET devices" => new HttpRequestMessage(HttpMethod.Get, LabApi.Devices),
            "POST jobs" => Post(LabApi.Jobs, Lab.Json(new SubmitRequest(Lab.OnnxJob, device.Id, null))),
            "GET jobs" => new HttpRequestMessage(HttpMethod.Get, LabApi.Jobs),
            "GET job" => new HttpRequestMessage(HttpMethod.Get, LabApi.Job(job.Id)),
            "POST cancel" => Post(LabApi.Cancel(job.Id), null),
            "POST claim" => Post(LabApi.Claim, null),
            "POST heartbeat" => Post(LabApi.Heartbeat(job.Id), Lab.Json(new HeartbeatRequest("halfway"))),
            "POST finish" => Post(LabApi.Finish(job.Id), Lab.Json(new FinishRequest(JobState.Succeeded, [result.Id], null))),
            "POST results" => Post(LabApi.Results, Lab.Json(new UploadRequest([Lab.Record("board-a", second: 30)]))),
            "GET results" => new HttpRequestMessage(HttpMethod.Get, LabApi.Results),
            "GET result" => new HttpRequestMessage(HttpMethod.Get, LabApi.Result(result.Id)),
            "POST tokens" => Post(LabApi.Tokens, Lab.Json(new CreateTokenRequest("new", TokenRole.Reader))),
            "DELETE token" => new HttpRequestMessage(HttpMethod.Delete, LabApi.Token(spare.TokenId)),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
        };
        // Compared by content: a database store reads back new objects, equal in every field but not as references.
        var jobsBefore = await JobsAsText(server.Store);
        var resultsBefore = await server.Store.Results.CountAsync(WorkingPoint.Results.ResultQuery.All);

        var response = await client.SendAsync(request);

        Assert.True(expected == response.StatusCode, $"{caller} → {endpoint}: expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            await response.ErrorAsync();
            Assert.Equal(jobsBefore, await JobsAsText(server.Store));
            Assert.Equal(resultsBefore, await server.Store.Results.CountAsync(WorkingPoint.Results.ResultQuery.All));
        }

        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        _ = agent;
    }

    private static HttpRequestMessage Post(string path, HttpContent? content) => new(HttpMethod.Post, path) { Content = content };
}
