using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// A PostgreSQL cluster of this test's own (initdb in a temporary directory, 127.0.0.1 on a free port) that the test may stop, start
/// and restart: the shared cluster of <c>.ci/test-postgres</c> serves other test assemblies at the same time, so it is never
/// restarted. Takes the server binaries from WPT_TEST_POSTGRES_BIN (which <c>.ci/test-postgres</c> exports); without it the test is
/// skipped with the reason, or failed when WPT_REQUIRE_POSTGRES=1 (CI). As root (CI's containers) the cluster runs as the
/// postgres user, as PostgreSQL requires.
/// </summary>
internal sealed class RestartablePostgres : IAsyncDisposable
{
    public const string BinVariable = "WPT_TEST_POSTGRES_BIN";
    private static readonly TimeSpan CommandGuard = TimeSpan.FromMinutes(2);

    private readonly string _bin;
    private readonly string _directory;
    private readonly int _port;

    private RestartablePostgres(string bin, string directory, int port, string password)
    {
        _bin = bin;
        _directory = directory;
        _port = port;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=wpt;Password={password};Database=postgres;Timeout=5;Command Timeout=30";
    }

    public string ConnectionString { get; }

    private string Data => Path.Combine(_directory, "data");

    private string Log => Path.Combine(_directory, "server.log");

    private static bool AsRoot => Environment.IsPrivilegedProcess;

    public static async Task<RestartablePostgres> CreateAsync()
    {
        var bin = Environment.GetEnvironmentVariable(BinVariable);
        if (string.IsNullOrWhiteSpace(bin) || !File.Exists(Path.Combine(bin, "pg_ctl")) || !File.Exists(Path.Combine(bin, "initdb")))
        {
            Assert.True(
                Environment.GetEnvironmentVariable(TestPostgres.RequireVariable) != "1",
                $"PostgreSQL is required ({TestPostgres.RequireVariable}=1) but {BinVariable} does not name a directory with pg_ctl and initdb: source .ci/test-postgres.");
            Skip.If(true, $"The database-restart tests need {BinVariable} (the directory of pg_ctl and initdb) to start a cluster they may restart; `. .ci/test-postgres` exports it.");
        }

        var directory = Directory.CreateTempSubdirectory("wpt-pg-restart-").FullName;
        var password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(directory, "pwfile");
        await File.WriteAllTextAsync(passwordFile, password + "\n");
        if (AsRoot)
        {
            await RunAsync("chown", ["-R", "postgres", directory]);
        }

        var cluster = new RestartablePostgres(bin!, directory, FreePort(), password);
        await cluster.PgAsync("initdb", ["-D", cluster.Data, "-U", "wpt", "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"]);
        File.Delete(passwordFile);
        await cluster.StartAsync();
        return cluster;
    }

    /// <summary>Starts the stopped cluster and waits until it accepts connections.</summary>
    public Task StartAsync() => PgAsync("pg_ctl", ["-D", Data, "-l", Log, "-w", "-t", "60", "-o", $"-c listen_addresses=127.0.0.1 -p {_port} -k {_directory} -c max_connections=100", "start"]);

    /// <summary>Fast shutdown: open sessions are ended (their transactions rolled back), then the server stops.</summary>
    public Task StopAsync() => PgAsync("pg_ctl", ["-D", Data, "-m", "fast", "-w", "-t", "60", "stop"]);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await PgAsync("pg_ctl", ["-D", Data, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Stopped already.
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>How many results the lab stores, and how many distinct idempotency keys among them.</summary>
    public async Task<(long Rows, long Keys)> CountResultsAsync()
    {
        // Unpooled: a pooled connection would be one the last restart ended.
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT idempotency_key) FROM results;", connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private Task PgAsync(string program, IReadOnlyList<string> args) =>
        AsRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, program), .. args]) : RunAsync(Path.Combine(_bin, program), args);

    private static async Task RunAsync(string program, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(CommandGuard);
        await process.WaitForExitAsync(guard.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {await errors} {await output}");
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
