using System.Security.Cryptography;
using System.Text;

namespace WorkingPoint.Lab;

/// <summary>Token secrets as every lab store makes and keeps them: 256 random bits shown once, only their SHA-256 stored.</summary>
public static class LabTokens
{
    /// <summary>Marks a string as a wpt lab token, so a leaked one is recognisable (secret scanners, logs).</summary>
    public const string Prefix = "wpt_";

    /// <summary>A new secret: the prefix and 32 random bytes as hex.</summary>
    public static string NewSecret() => Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>What a store keeps of a secret: SHA-256 of its UTF-8 bytes. Unsalted on purpose: the secret is random, so a lookup by hash is safe.</summary>
    public static byte[] HashOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return SHA256.HashData(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>The names stores write roles and job states under.</summary>
    public static string NameOf(TokenRole role) => role.ToString().ToLowerInvariant();

    public static string NameOf(JobState state) => state.ToString().ToLowerInvariant();
}
