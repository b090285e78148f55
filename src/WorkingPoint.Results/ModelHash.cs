using System.Security.Cryptography;

namespace WorkingPoint.Results;

/// <summary>Results name models by content, so a changed file is a different model.</summary>
public static class ModelHash
{
    /// <summary>SHA-256 of the file, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
