using System.Security.Cryptography;
using WorkingPoint.Core.Files;

namespace WorkingPoint.Gguf;

/// <summary>
/// SHA-256 of a file's content, read as a stream (models are gigabytes), and a sidecar <c>FILE.sha256</c> that records it, so a
/// cached file is reused only when its content is what was written: a file of the right size with a flipped byte is not.
/// </summary>
public static class ContentHash
{
    public const string SidecarExtension = ".sha256";

    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string SidecarOf(string path) => path + SidecarExtension;

    /// <summary>Hashes <paramref name="path"/> and writes the hash beside it (atomically).</summary>
    public static void WriteSidecar(string path) => AtomicFile.WriteAllText(SidecarOf(path), Sha256(path) + "\n");

    /// <summary>Whether the file exists, has a sidecar, and hashes to what the sidecar says.</summary>
    public static bool MatchesSidecar(string path)
    {
        var sidecar = SidecarOf(path);
        if (!File.Exists(path) || !File.Exists(sidecar) || new FileInfo(sidecar).Length > 256)
        {
            return false;
        }

        return string.Equals(File.ReadAllText(sidecar).Trim(), Sha256(path), StringComparison.Ordinal);
    }
}
