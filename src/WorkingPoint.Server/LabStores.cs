using WorkingPoint.Core;
using WorkingPoint.Lab;

namespace WorkingPoint.Server;

/// <summary>The one place <c>wpt serve</c> gets its store from: PostgreSQL when a connection string is given, else a SQLite file.</summary>
public static class LabStores
{
    /// <summary>
    /// Opens (creating or migrating as needed) the lab's database. Not wired yet: the PostgreSQL and SQLite stores land on their
    /// own branch; this method is where they plug in.
    /// </summary>
    /// <param name="postgresConnectionString">A PostgreSQL connection string (--database or WPT_LAB_DATABASE); null for SQLite.</param>
    /// <param name="sqlitePath">The SQLite file used when no connection string is given.</param>
    public static Task<ILabStore> OpenAsync(string? postgresConnectionString, string sqlitePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sqlitePath);
        cancellationToken.ThrowIfCancellationRequested();
        var which = postgresConnectionString is null ? $"the SQLite lab store ({sqlitePath})" : "the PostgreSQL lab store";
        throw new InvalidInputException($"{which} is not available in this build yet; build wpt from a version that includes the lab stores.");
    }
}
