using Npgsql;

namespace WorkingPoint.Tests.Shared;

/// <summary>
/// A throwaway PostgreSQL database for one test (class instance): created with a random name on the server that WPT_TEST_POSTGRES names
/// (an Npgsql connection string; .ci/test-postgres starts one), dropped when disposed. Without WPT_TEST_POSTGRES the test is skipped with
/// the reason, except when WPT_REQUIRE_POSTGRES=1 (CI), where a missing database fails it: CI never passes these tests vacuously.
/// Needs the Xunit.SkippableFact and Npgsql packages; mark the tests [SkippableFact].
/// </summary>
internal sealed class TestPostgres : IAsyncDisposable
{
    public const string ConnectionVariable = "WPT_TEST_POSTGRES";
    public const string RequireVariable = "WPT_REQUIRE_POSTGRES";

    private readonly string _serverConnectionString;

    private TestPostgres(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>The database's name (wpt_test_ and 16 random hex digits).</summary>
    public string Name { get; }

    /// <summary>A connection string to the fresh, empty database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's connection string; skips the calling test when none is configured (fails it when one is required).</summary>
    public static string ServerConnectionString()
    {
        var connectionString = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.True(
                Environment.GetEnvironmentVariable(RequireVariable) != "1",
                $"PostgreSQL is required ({RequireVariable}=1) but {ConnectionVariable} is not set: source .ci/test-postgres, or set {ConnectionVariable} to an Npgsql connection string.");
            Skip.If(true, $"PostgreSQL tests need {ConnectionVariable} (an Npgsql connection string to a server where the user may CREATE DATABASE); `. .ci/test-postgres` starts a throwaway one.");
        }

        return connectionString!;
    }

    /// <summary>Creates a fresh database on the configured server (or skips the test, see <see cref="ServerConnectionString"/>).</summary>
    public static async Task<TestPostgres> CreateAsync()
    {
        var server = ServerConnectionString();
        var database = new TestPostgres(server, "wpt_test_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\";", connection);
        await create.ExecuteNonQueryAsync();
        return database;
    }

    /// <summary>Drops the database, closing any connection a test left open (PostgreSQL 13+: WITH (FORCE)).</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
