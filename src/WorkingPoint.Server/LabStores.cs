using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Postgres;
using WorkingPoint.Lab.Sqlite;

namespace WorkingPoint.Server;

/// <summary>The one place <c>wpt serve</c> gets its store from: PostgreSQL when a connection string is given, else a SQLite file.</summary>
public static class LabStores
{
    /// <summary>Opens (creating or migrating as needed) the lab's database; what cannot be opened is a one-line ResultStoreException.</summary>
    /// <param name="postgresConnectionString">A PostgreSQL connection string (--database or WPT_LAB_DATABASE); null for SQLite.</param>
    /// <param name="sqlitePath">The SQLite file used when no connection string is given.</param>
    /// <param name="writer">The wpt build that writes, recorded with every result.</param>
    public static async Task<ILabStore> OpenAsync(string? postgresConnectionString, string sqlitePath, WptProvenance writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sqlitePath);
        return postgresConnectionString is { } connection
            ? await PostgresLabStore.OpenAsync(connection, writer, cancellationToken).ConfigureAwait(false)
            : SqliteLabStore.Open(sqlitePath, writer);
    }
}
