using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace WorkingPoint.Core.Files;

/// <summary>
/// The one writer of every file wpt produces. A file appears under its name only when complete: it is written beside the
/// target under a fresh random name, created exclusively (<see cref="FileMode.CreateNew"/>, which on Unix is O_CREAT|O_EXCL and
/// so never opens through a link planted at that name), then renamed into place; the temporary file is removed when writing
/// fails, when the write is cancelled, and by <see cref="RemoveUnfinished"/> when the process is interrupted. A symbolic link
/// at the target is refused rather than followed, and rename(2) replaces a link rather than writing through it.
/// </summary>
public static class AtomicFile
{
    /// <summary>Temporary files being written now, each with the switch that stops its writer (<see cref="InterruptWrites"/>).</summary>
    private static readonly ConcurrentDictionary<string, CancellationTokenSource> Unfinished = new(StringComparer.Ordinal);

    /// <summary>Writes through <paramref name="write"/> and returns what it returns.</summary>
    /// <param name="temporarySuffix">Ends the temporary file's name (e.g. ".partial"), so a user who sees one knows what it is.</param>
    /// <param name="cancellation">Checked on every write to the stream: cancelling stops the write and removes the temporary file.</param>
    /// <exception cref="InvalidInputException">The directory does not exist, or the target is a symbolic link or a directory.</exception>
    public static T Write<T>(string path, Func<Stream, T> write, string temporarySuffix = ".tmp", CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var directory = RefuseUnwritableTarget(path);
        var temporary = CreateTemporary(path, directory, temporarySuffix, out var file, out var interrupt);
        var moved = false;
        try
        {
            T result;
            using (file)
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, interrupt.Token))
            using (var guarded = new CancellableStream(file, stop.Token))
            {
                result = write(guarded);
                stop.Token.ThrowIfCancellationRequested();
                file.Flush(flushToDisk: true);
            }

            // Checked again just before the rename: a link planted at the target while we wrote is refused, not replaced silently.
            RefuseLink(path);
            File.Move(temporary, path, overwrite: true);
            moved = true;
            return result;
        }
        finally
        {
            if (!moved)
            {
                TryDelete(temporary);
            }

            Unfinished.TryRemove(temporary, out _);
            interrupt.Dispose();
        }
    }

    public static void Write(string path, Action<Stream> write, string temporarySuffix = ".tmp", CancellationToken cancellation = default) =>
        Write<object?>(path, stream =>
        {
            write(stream);
            return null;
        }, temporarySuffix, cancellation);

    /// <summary>Text, in UTF-8 without a byte-order mark unless <paramref name="encoding"/> says otherwise.</summary>
    public static void WriteAllText(string path, string text, Encoding? encoding = null) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, encoding ?? new UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>
    /// Deletes every temporary file still being written, for an interrupt handler (Ctrl-C, SIGTERM) about to let the process end:
    /// a writer still running afterwards writes into an unlinked file, and its rename fails, so nothing is left behind.
    /// </summary>
    public static void RemoveUnfinished()
    {
        foreach (var temporary in Unfinished.Keys)
        {
            TryDelete(temporary);
        }
    }

    /// <summary>
    /// Stops every write in progress at its next write call (it throws <see cref="OperationCanceledException"/> and removes its
    /// temporary file); writes started afterwards, such as saving what a stopped measurement got, are not affected.
    /// </summary>
    public static void InterruptWrites()
    {
        foreach (var interrupt in Unfinished.Values)
        {
            try
            {
                interrupt.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That write has just finished.
            }
        }
    }

    /// <summary>The names of temporary files being written now (for tests and interrupt handlers).</summary>
    public static IReadOnlyCollection<string> UnfinishedFiles => Unfinished.Keys.ToArray();

    /// <summary>
    /// Everything that would make the write fail or go somewhere unintended, refused up front in the user's terms (the path and
    /// directory as given, never a temporary name). Returns the directory to write the temporary file into.
    /// </summary>
    public static string RefuseUnwritableTarget(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var given = Path.GetDirectoryName(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            throw new InvalidInputException($"{path}: the directory {(string.IsNullOrEmpty(given) ? directory : given)} does not exist; create it, or write elsewhere.");
        }

        RefuseLink(path);
        if (Directory.Exists(path))
        {
            throw new InvalidInputException($"{path}: is a directory; give a file name inside it.");
        }

        return directory;
    }

    /// <summary>lstat semantics: <see cref="FileSystemInfo.LinkTarget"/> is the link itself, never what it points to.</summary>
    private static void RefuseLink(string path)
    {
        if (new FileInfo(path).LinkTarget is { } target)
        {
            throw new InvalidInputException($"{path}: is a symbolic link (to {target}); wpt does not write through links. Remove the link, or write to another name.");
        }
    }

    private static string CreateTemporary(string path, string directory, string suffix, out FileStream file, out CancellationTokenSource interrupt)
    {
        // A random name no one can predict, created exclusively: a file or link already there makes CreateNew fail, never followed.
        for (var attempt = 0; ; attempt++)
        {
            var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{suffix}");
            if (new FileInfo(temporary).LinkTarget is null && !File.Exists(temporary))
            {
                interrupt = new CancellationTokenSource();
                Unfinished[temporary] = interrupt;
                try
                {
                    file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                    return temporary;
                }
                catch (IOException) when (attempt < 8 && (File.Exists(temporary) || new FileInfo(temporary).LinkTarget is not null))
                {
                    // Taken between the check and the open: the exclusive create refused it; try another name.
                    Unfinished.TryRemove(temporary, out _);
                    interrupt.Dispose();
                }
                catch
                {
                    Unfinished.TryRemove(temporary, out _);
                    interrupt.Dispose();
                    throw;
                }
            }
            else if (attempt >= 8)
            {
                throw new IOException($"{path}: could not create a temporary file beside it; every random name tried was taken.");
            }
        }
    }

    private static void TryDelete(string temporary)
    {
        try
        {
            // Only the temporary file we created: File.Delete on a link would remove the link, never its target.
            File.Delete(temporary);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original error (or the interrupt) is what the user needs to see.
        }
    }

    /// <summary>Passes writes through, checking the cancellation first, so a long write (a 1 GB model) stops promptly on Ctrl-C.</summary>
    private sealed class CancellableStream(FileStream inner, CancellationToken cancellation) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            cancellation.ThrowIfCancellationRequested();
            inner.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            cancellation.ThrowIfCancellationRequested();
            inner.Write(buffer);
        }

        public override void WriteByte(byte value)
        {
            cancellation.ThrowIfCancellationRequested();
            inner.WriteByte(value);
        }

        protected override void Dispose(bool disposing)
        {
            // The FileStream belongs to AtomicFile.Write, which flushes and closes it.
            base.Dispose(disposing);
        }
    }
}
