using System.Globalization;
using Microsoft.Data.Sqlite;
using WorkingPoint.Core;
using WorkingPoint.Results;
using WorkingPoint.Results.Sqlite;

namespace WorkingPoint.Lab.Agent;

/// <summary>
/// The agent's local outbox: every record a job produces is saved here first (a wpt results database, <c>outbox.db</c> in the state
/// directory, so <c>wpt results list --db</c> reads it), and only then uploaded. A side table keeps, per record, the job that made it
/// and the id the server gave it once uploaded; a record with no server id is pending. Records are never deleted: an upload is
/// repeated until the server has them, and the server keeps one record per idempotency key, so a repeat adds nothing.
/// </summary>
/// <remarks>The state directory is locked while the outbox is open: two agents never share one.</remarks>
public sealed class AgentOutbox : IDisposable
{
    public const string DatabaseFileName = "outbox.db";
    private const string LockFileName = "agent.lock";

    private readonly Lock _lock = new();
    private readonly FileStream _stateLock;
    private readonly SqliteResultStore _store;
    private readonly SqliteConnection _connection;

    private AgentOutbox(FileStream stateLock, SqliteResultStore store, SqliteConnection connection)
    {
        _stateLock = stateLock;
        _store = store;
        _connection = connection;
    }

    public string Path => _store.Path;

    /// <summary>Opens (creating) the outbox in <paramref name="stateDirectory"/>; refused when another agent holds the directory.</summary>
    public static AgentOutbox Open(string stateDirectory, string writerVersion = "unknown")
    {
        Directory.CreateDirectory(stateDirectory);
        FileStream stateLock;
        try
        {
            stateLock = new FileStream(System.IO.Path.Combine(stateDirectory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InvalidInputException($"Another wpt agent is using the state directory {stateDirectory}; stop it, or give this one its own with --state-dir DIR.");
        }

        SqliteResultStore? store = null;
        SqliteConnection? connection = null;
        try
        {
            // The results database first: it refuses a file with tables it does not know, so the side table comes after it.
            var path = System.IO.Path.Combine(stateDirectory, DatabaseFileName);
            store = new SqliteResultStore(path, writerVersion);
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
            connection.Open();
            using (var create = connection.CreateCommand())
            {
                create.CommandText = """
                    PRAGMA busy_timeout = 30000;
                    CREATE TABLE IF NOT EXISTS lab_outbox (
                        local_id INTEGER PRIMARY KEY,
                        job_id INTEGER,
                        server_id INTEGER,
                        uploaded_at TEXT,
                        refused TEXT);
                    """;
                create.ExecuteNonQuery();
            }

            return new AgentOutbox(stateLock, store, connection);
        }
        catch (SqliteException ex)
        {
            connection?.Dispose();
            store?.Dispose();
            stateLock.Dispose();
            throw new ResultStoreException($"{System.IO.Path.Combine(stateDirectory, DatabaseFileName)}: the agent's outbox cannot be opened ({ex.Message}); move the file aside, or pass another --state-dir.", ex);
        }
        catch
        {
            connection?.Dispose();
            store?.Dispose();
            stateLock.Dispose();
            throw;
        }
    }

    /// <summary>Saves a record of <paramref name="jobId"/> (null: not from a job); its local id.</summary>
    public long Save(MeasurementRecord record, long? jobId)
    {
        lock (_lock)
        {
            var id = _store.Save(record);
            // A crash between the two writes leaves the record without its row: still pending (see Pending), only its job unknown.
            Execute("INSERT OR IGNORE INTO lab_outbox (local_id, job_id) VALUES ($id, $job);", ("$id", id), ("$job", jobId));
            return id;
        }
    }

    public int SetGroupStatus(string runGroup, RunStatus status)
    {
        lock (_lock)
        {
            return _store.SetGroupStatus(runGroup, status);
        }
    }

    /// <summary>Records not yet on the server (and not refused by it), oldest first, with the job that made each.</summary>
    public IReadOnlyList<(long LocalId, long? JobId)> Pending(long? jobId = null)
    {
        lock (_lock)
        {
            using var select = _connection.CreateCommand();
            select.CommandText = "SELECT m.id, o.job_id FROM measurements m LEFT JOIN lab_outbox o ON o.local_id = m.id WHERE o.server_id IS NULL AND o.refused IS NULL"
                + (jobId is null ? string.Empty : " AND o.job_id = $job") + " ORDER BY m.id;";
            if (jobId is { } job)
            {
                select.Parameters.AddWithValue("$job", job);
            }

            var pending = new List<(long, long?)>();
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                pending.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1)));
            }

            return pending;
        }
    }

    public MeasurementRecord Read(long localId)
    {
        lock (_lock)
        {
            return _store.Find(localId)?.Record ?? throw new ResultStoreException($"{Path}: the outbox has no record {localId}; it was changed by hand.");
        }
    }

    public void MarkUploaded(long localId, long serverId, DateTimeOffset now)
    {
        lock (_lock)
        {
            Execute(
                "INSERT INTO lab_outbox (local_id, server_id, uploaded_at) VALUES ($id, $server, $at) ON CONFLICT(local_id) DO UPDATE SET server_id = $server, uploaded_at = $at;",
                ("$id", localId),
                ("$server", serverId),
                ("$at", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>The server refused the record for good (e.g. too large): it stays here, no longer pending, with the reason.</summary>
    public void MarkRefused(long localId, string reason)
    {
        lock (_lock)
        {
            Execute("INSERT INTO lab_outbox (local_id, refused) VALUES ($id, $why) ON CONFLICT(local_id) DO UPDATE SET refused = $why;", ("$id", localId), ("$why", reason));
        }
    }

    /// <summary>The server's ids of the job's uploaded records, in the order they were made.</summary>
    public IReadOnlyList<long> ServerIdsOf(long jobId)
    {
        lock (_lock)
        {
            using var select = _connection.CreateCommand();
            select.CommandText = "SELECT server_id FROM lab_outbox WHERE job_id = $job AND server_id IS NOT NULL ORDER BY local_id;";
            select.Parameters.AddWithValue("$job", jobId);
            var ids = new List<long>();
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetInt64(0));
            }

            return ids;
        }
    }

    /// <summary>Whether a record of this kind, start time and machine is here already (a job database handed over twice adds nothing).</summary>
    public bool Contains(MeasurementRecord record)
    {
        lock (_lock)
        {
            return _store.Contains(record);
        }
    }

    /// <summary>How many records the outbox holds in all.</summary>
    public long Count()
    {
        lock (_lock)
        {
            return _store.Count();
        }
    }

    public void Dispose()
    {
        _connection.Dispose();
        _store.Dispose();
        _stateLock.Dispose();
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }
}
