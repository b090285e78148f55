using WorkingPoint.Core.Versioning;
using WorkingPoint.Lab;
using WorkingPoint.Lab.Sqlite;

namespace WorkingPoint.Server.Tests;

/// <summary>The API tests over the SQLite lab store <c>wpt serve</c> opens without a connection string: a fresh file per server.</summary>
public sealed class LabApiOverSqliteStoreTests : LabApiTests
{
    protected override ILabStore CreateStore() => SqliteStores.Fresh();
}

/// <summary>The role × endpoint table over the SQLite lab store.</summary>
public sealed class AuthorisationOverSqliteStoreTests : AuthorisationTests
{
    protected override ILabStore CreateStore() => SqliteStores.Fresh();
}

internal static class SqliteStores
{
    private static readonly string Directory = System.IO.Directory.CreateTempSubdirectory("wpt-server-tests-").FullName;

    static SqliteStores() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A connection pool still holding a file at exit; the OS's temp cleaning takes it.
        }
    };

    public static ILabStore Fresh() => SqliteLabStore.Open(Path.Combine(Directory, $"lab-{Guid.NewGuid():N}.db"), new WptProvenance("test", "test", "test"));
}
