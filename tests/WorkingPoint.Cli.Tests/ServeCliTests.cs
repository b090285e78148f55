using Spectre.Console.Testing;
using WorkingPoint.Cli.Commands;
using WorkingPoint.Lab;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary><c>wpt serve</c>: its options, token creation, and a server that starts, answers and stops cleanly on cancellation (Ctrl-C).</summary>
public sealed class ServeCliTests
{
    [Theory]
    [InlineData("--database and --sqlite name two stores", "serve", "--database", "Host=x", "--sqlite", "lab.db")]
    [InlineData("--role goes with --create-token", "serve", "--role", "admin")]
    [InlineData("--create-token needs --role", "serve", "--create-token", "ana")]
    [InlineData("--role 'wizard' is not a role", "serve", "--create-token", "ana", "--role", "wizard")]
    [InlineData("--urls 'ftp://host:21' is not an http(s) address", "serve", "--urls", "ftp://host:21")]
    [InlineData("--urls 'localhost' is not an http(s) address", "serve", "--urls", "localhost")]
    [InlineData("--urls has no effect with --create-token", "serve", "--create-token", "ana", "--role", "reader", "--urls", "http://127.0.0.1:1")]
    public void Bad_serve_options_are_one_line_naming_the_fix_with_exit_2(string expected, params string[] args)
    {
        var (code, _, errors) = Wpt.Run(args);

        Assert.Equal(2, code);
        Assert.StartsWith("wpt: error: ", errors, StringComparison.Ordinal);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Single(errors.Trim().Split('\n'));
    }

    [Fact]
    public async Task Create_token_prints_a_secret_that_the_store_verifies_with_its_role()
    {
        // The command disposes the store it opened; the in-memory one keeps its tokens for the check below.
        var store = new InMemoryLabStore();
        ServeCommand.OpenStoreOverride.Value = (_, _, _) => Task.FromResult<ILabStore>(store);

        var (code, output, errors) = Wpt.Run("serve", "--create-token", "orin-1", "--role", "agent");

        Assert.True(code == 0, errors);
        var secret = output.Trim().Split('\n')[^1];
        var principal = await store.VerifyTokenAsync(secret);
        Assert.Equal(("orin-1", TokenRole.Agent), (principal?.Name, principal?.Role));
        Assert.Contains("shown this once", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_answers_on_its_address_and_stops_with_exit_0_when_cancelled()
    {
        var store = new InMemoryLabStore();
        using var stop = new CancellationTokenSource();
        var health = new TaskCompletionSource<string>();
        ServeCommand.OpenStoreOverride.Value = (_, _, _) => Task.FromResult<ILabStore>(store);
        ServeCommand.Listening.Value = addresses => _ = Task.Run(async () =>
        {
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri(addresses[0]) };
                health.TrySetResult(await client.GetStringAsync(LabApi.Health));
            }
            catch (Exception ex)
            {
                health.TrySetException(ex);
            }
            finally
            {
                await stop.CancelAsync();
            }
        });
        var console = new TestConsole();
        var errors = new StringWriter();

        var code = await Task.Run(() => WptApp.Run(["serve", "--urls", "http://127.0.0.1:0", "--sqlite", "unused.db"], console, errors, stop.Token));

        Assert.True(code == 0, errors.ToString());
        Assert.Equal("ok", await health.Task);
        Assert.Contains("listening on http://127.0.0.1:", console.Output, StringComparison.Ordinal);
    }
}
