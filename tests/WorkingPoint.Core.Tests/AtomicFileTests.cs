using WorkingPoint.Core.Files;

namespace WorkingPoint.Core.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-atomic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_completed_write_replaces_the_file_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(_directory, "a.txt");
        File.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["a.txt"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failed_write_keeps_the_old_file_and_removes_the_partial_one()
    {
        var path = Path.Combine(_directory, "b.bin");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.WriteByte(1);
            throw new InvalidOperationException("interrupted");
        }, ".partial"));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".partial"));
    }
}
