using System.Text.RegularExpressions;
using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab.Postgres;
using WorkingPoint.Lab.Sqlite;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Lab.Faults.Tests;

/// <summary>
/// A lab database that <c>wpt serve</c> processes serve one after another: a SQLite file in the test's directory, or a fresh database on
/// the PostgreSQL server of <c>.ci/test-postgres</c> (WPT_TEST_POSTGRES; without it the test is skipped with the reason, or failed
/// under WPT_REQUIRE_POSTGRES=1). The test opens the same database in its own process too, to set it up and to read what a restarted
/// server finds.
/// </summary>
internal sealed partial class LabDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private static readonly WptProvenance Writer = new("test", "test", "test");

    private readonly string? _sqlitePath;
    private readonly TestPostgres? _postgres;

    private LabDatabase(string? sqlitePath, TestPostgres? postgres)
    {
        _sqlitePath = sqlitePath;
        _postgres = postgres;
    }

    public static async Task<LabDatabase> CreateAsync(string kind, string directory) => kind switch
    {
        Sqlite => new LabDatabase(Path.Combine(directory, "lab.db"), null),
        Postgres => new LabDatabase(null, await TestPostgres.CreateAsync()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a lab database is sqlite or postgres"),
    };

    /// <summary>The lab store on this database, in the test's own process.</summary>
    public async Task<ILabStore> OpenAsync() =>
        _sqlitePath is { } path ? SqliteLabStore.Open(path, Writer) : await PostgresLabStore.OpenAsync(_postgres!.ConnectionString, Writer);

    /// <summary>Starts <c>wpt serve</c> on this database at 127.0.0.1 on a port the system picks, and waits until it says where it listens.</summary>
    public async Task<ServeProcess> ServeAsync(string dataDirectory)
    {
        var wpt = _sqlitePath is { } path
            ? WptProcess.Start(dataDirectory, null, "serve", "--urls", "http://127.0.0.1:0", "--sqlite", path)
            // The connection string (with its password) through the environment, as a service would pass it, not on the command line.
            : WptProcess.Start(dataDirectory, new Dictionary<string, string> { ["WPT_LAB_DATABASE"] = _postgres!.ConnectionString }, "serve", "--urls", "http://127.0.0.1:0");
        try
        {
            var listening = await wpt.WaitForLineAsync(ListeningLine(), "wpt serve listening");
            return new ServeProcess(wpt, new Uri(listening.Groups["address"].Value));
        }
        catch
        {
            await wpt.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    [GeneratedRegex(@"^wpt serve: the lab on .*, listening on (?<address>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}

/// <summary>A running <c>wpt serve</c> process and where it listens.</summary>
internal sealed class ServeProcess(WptProcess process, Uri address) : IAsyncDisposable
{
    public WptProcess Process { get; } = process;

    public Uri Address { get; } = address;

    /// <summary>SIGKILL: no request in flight finishes, no store is closed.</summary>
    public Task KillAsync() => Process.KillAsync();

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
