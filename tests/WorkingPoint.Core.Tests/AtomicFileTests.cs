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

public sealed class AtomicFileSafetyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wpt-atomic-safety-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Victim()
    {
        var victim = Path.Combine(_directory, "victim.txt");
        File.WriteAllText(victim, "keep me");
        return victim;
    }

    [Fact]
    public void A_symbolic_link_at_the_target_is_refused_with_one_line_and_its_target_is_untouched()
    {
        var victim = Victim();
        var path = Path.Combine(_directory, "out.onnx");
        File.CreateSymbolicLink(path, victim);

        var error = Assert.Throws<InvalidInputException>(() => AtomicFile.WriteAllText(path, "payload"));
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.NotNull(new FileInfo(path).LinkTarget);
    }

    [Theory]
    [InlineData(".tmp")]
    [InlineData(".partial")]
    public void Links_planted_at_temporary_like_names_are_never_written_through(string suffix)
    {
        var victim = Victim();
        var path = Path.Combine(_directory, "model.gguf");
        foreach (var name in new[] { path + suffix, path + ".tmp", Path.Combine(_directory, ".model.gguf" + suffix), Path.Combine(_directory, ".model.gguf.tmp") }.Distinct())
        {
            File.CreateSymbolicLink(name, victim);
        }

        AtomicFile.Write(path, stream => stream.Write(new byte[4096]), suffix);

        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.Equal(4096, new FileInfo(path).Length);
        Assert.Null(new FileInfo(path).LinkTarget);
    }

    [Fact]
    public void A_missing_directory_is_named_as_the_user_gave_it_never_by_a_temporary_name()
    {
        var error = Assert.Throws<InvalidInputException>(() => AtomicFile.WriteAllText("/nonexistent/dir/r.onnx", "x"));
        Assert.Equal("/nonexistent/dir/r.onnx: the directory /nonexistent/dir does not exist; create it, or write elsewhere.", error.Message);
    }

    [Fact]
    public void A_directory_at_the_target_is_refused()
    {
        var path = Path.Combine(_directory, "plots");
        Directory.CreateDirectory(path);
        var error = Assert.Throws<InvalidInputException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_write_leaves_nothing_behind_not_even_its_temporary_file()
    {
        var path = Path.Combine(_directory, "report.html");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("disk full");
        }));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
        Assert.DoesNotContain(AtomicFile.UnfinishedFiles, f => f.StartsWith(_directory, StringComparison.Ordinal));
    }

    [Fact]
    public void A_cancelled_write_stops_at_its_next_write_and_leaves_nothing_behind()
    {
        var path = Path.Combine(_directory, "big.gguf");
        using var cancellation = new CancellationTokenSource();
        var writes = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => AtomicFile.Write(path, stream =>
        {
            for (var i = 0; i < 1000; i++)
            {
                stream.Write(new byte[1024]);
                writes++;
                if (i == 3)
                {
                    cancellation.Cancel();
                }
            }
        }, ".partial", cancellation.Token));
        Assert.Equal(4, writes);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void An_interrupt_stops_the_writes_in_progress_and_removes_their_files()
    {
        var path = Path.Combine(_directory, "synth.gguf");
        var sawTemporary = false;
        Assert.ThrowsAny<OperationCanceledException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1024]);
            sawTemporary = AtomicFile.UnfinishedFiles.Any(f => Path.GetDirectoryName(f) == _directory);

            // What the Ctrl-C handler does.
            AtomicFile.InterruptWrites();
            AtomicFile.RemoveUnfinished();
            stream.Write(new byte[1024]);
        }, ".partial"));
        Assert.True(sawTemporary);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));

        // Writes begun after the interrupt (saving what a stopped measurement got) are not affected.
        AtomicFile.WriteAllText(path, "after");
        Assert.Equal("after", File.ReadAllText(path));
    }

    [Fact]
    public void The_temporary_file_is_beside_the_target_under_a_fresh_random_name()
    {
        var path = Path.Combine(_directory, "r.csv");
        var names = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            AtomicFile.Write(path, stream =>
            {
                names.Add(AtomicFile.UnfinishedFiles.Single(f => Path.GetDirectoryName(f) == _directory));
                stream.WriteByte(1);
            });
        }

        Assert.All(names, n => Assert.StartsWith(Path.Combine(_directory, ".r.csv."), n, StringComparison.Ordinal));
        Assert.NotEqual(names[0], names[1]);
        Assert.Equal(["r.csv"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }
}
