using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using WorkingPoint.Results;

namespace WorkingPoint.Server.Api;

/// <summary>
/// A device's id, derived from its fingerprint so that an agent restarted (or reinstalled, or given a new token) on the same board
/// comes back as the same device: the host name, made readable, then 8 hex digits of SHA-256 over host name, CPU model,
/// architecture and memory rounded to the GiB (a kernel update that shifts the reported memory by a few MiB keeps the id).
/// Two boards with the same host name still get two ids unless they are the same model with the same memory — give them
/// distinct host names or names. A name other than the host name is part of the identity, so two agents on one machine
/// (`--name a`, `--name b`) are two devices, and an agent restarted under its name comes back as its device.
/// </summary>
public static class DeviceIds
{
    public static string Of(PlatformFingerprint fingerprint, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var memoryGiB = Math.Round(fingerprint.MemoryBytes / (1024.0 * 1024 * 1024), MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture);
        var ownName = name?.Trim() is { Length: > 0 } trimmed && !string.Equals(trimmed, fingerprint.Hostname, StringComparison.OrdinalIgnoreCase) ? trimmed : null;
        var identity = string.Join('\n', fingerprint.Hostname, fingerprint.CpuModel, fingerprint.Architecture, memoryGiB) + (ownName is null ? string.Empty : "\n" + ownName);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..8];
        return $"{Slug(ownName ?? fingerprint.Hostname)}-{hash}";
    }

    /// <summary>Lower-case letters, digits and dashes, at most 40: safe in a URL, a label and a file name.</summary>
    private static string Slug(string hostname)
    {
        var slug = new StringBuilder();
        foreach (var c in hostname.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var text = slug.ToString().Trim('-');
        text = text.Length > 40 ? text[..40].TrimEnd('-') : text;
        return text.Length == 0 ? "device" : text;
    }
}
