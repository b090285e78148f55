using System.Text;

namespace WorkingPoint.Core.Files;

/// <summary>
/// Files that appear under their name only when complete: written beside the target under a temporary name and renamed into
/// place, the temporary file removed when writing fails. A reader never sees half a file, and an interrupted run leaves none
/// under the real name.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/> and returns what it returns; <paramref name="temporarySuffix"/> names the file while it is written.</summary>
    public static T Write<T>(string path, Func<Stream, T> write, string temporarySuffix = ".tmp")
    {
        ArgumentNullException.ThrowIfNull(write);
        var temporary = path + temporarySuffix;
        try
        {
            T result;
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                result = write(file);
            }

            File.Move(temporary, path, overwrite: true);
            return result;
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    public static void Write(string path, Action<Stream> write, string temporarySuffix = ".tmp") =>
        Write<object?>(path, stream =>
        {
            write(stream);
            return null;
        }, temporarySuffix);

    /// <summary>Text, in UTF-8 without a byte-order mark unless <paramref name="encoding"/> says otherwise.</summary>
    public static void WriteAllText(string path, string text, Encoding? encoding = null) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, encoding ?? new UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });
}
