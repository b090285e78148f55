using Microsoft.Data.Sqlite;

namespace WorkingPoint.Results.Sqlite;

/// <summary>The few command shapes the SQLite stores (results here, the lab's in WorkingPoint.Lab.Sqlite) run on their connection.</summary>
public static class SqliteConnectionCommands
{
    /// <summary>A command of <paramref name="sql"/> on the connection; the caller adds parameters and disposes it.</summary>
    public static SqliteCommand Command(this SqliteConnection connection, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    public static void Execute(this SqliteConnection connection, string sql)
    {
        using var command = connection.Command(sql);
        command.ExecuteNonQuery();
    }

    public static object? Scalar(this SqliteConnection connection, string sql)
    {
        using var command = connection.Command(sql);
        return command.ExecuteScalar();
    }
}
