using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WorkingPoint.Core.Versioning;

/// <summary>
/// What produced a figure: the wpt version and the git commit it was built from (stamped at build time from git, see
/// Directory.Build.props), and the SHA-256 of the catalog the figure was computed with. Every JSON output, saved result
/// and report carries it, so a number can be traced back to the code and data behind it.
/// </summary>
/// <param name="Version">Semantic version, e.g. 0.1.0-alpha.0.42 (0.1.0-alpha.0.HEIGHT until the first v-tag).</param>
/// <param name="Commit">The full git commit hash of the build, or "unknown" when it was built outside git.</param>
/// <param name="CatalogSha256">Lower-case hex SHA-256 of the built-in catalog's YAML files.</param>
public sealed record WptProvenance(string Version, string Commit, string CatalogSha256)
{
    public const string Unknown = "unknown";

    /// <summary>The name of the member that JSON outputs carry this under.</summary>
    public const string JsonMember = "wpt";

    /// <summary>Version and commit from an assembly's informational version (VERSION+COMMIT, as the SDK stamps it).</summary>
    public static (string Version, string Commit) VersionOf(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Parse(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
    }

    /// <summary>Splits VERSION+METADATA; the commit is the last dot-separated part of the metadata that looks like a git hash.</summary>
    public static (string Version, string Commit) Parse(string? informationalVersion)
    {
        if (string.IsNullOrWhiteSpace(informationalVersion))
        {
            return (Unknown, Unknown);
        }

        var plus = informationalVersion.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0)
        {
            return (informationalVersion, Unknown);
        }

        var commit = informationalVersion[(plus + 1)..].Split('.').LastOrDefault(IsGitHash) ?? Unknown;
        return (informationalVersion[..plus], commit);
    }

    /// <summary>One line for people: "wpt 0.1.0-alpha.0.42 (commit 43c3137d9a1f, catalog sha256 5d41402abc4b…)".</summary>
    public string Describe() =>
        $"wpt {Version} (commit {Short(Commit)}, catalog sha256 {Short(CatalogSha256)})";

    /// <summary>
    /// <paramref name="value"/> as a JSON object with this provenance as its first member, <c>"wpt"</c>: an object keeps its
    /// members after it; an array becomes <c>{"wpt": …, "items": [...]}</c> (docs/json.md).
    /// </summary>
    public JsonObject Stamp(JsonNode? value)
    {
        var stamped = new JsonObject { [JsonMember] = JsonSerializer.SerializeToNode(new { version = Version, commit = Commit, catalogSha256 = CatalogSha256 }) };
        switch (value)
        {
            case JsonObject members:
                foreach (var (name, member) in members.ToList())
                {
                    members.Remove(name);
                    stamped[name] = member;
                }

                break;
            case JsonArray items:
                stamped["items"] = items;
                break;
            default:
                stamped["value"] = value;
                break;
        }

        return stamped;
    }

    private static string Short(string hash) => hash.Length > 12 && hash.All(char.IsAsciiHexDigit) ? hash[..12] : hash;

    private static bool IsGitHash(string text) => text.Length is >= 7 and <= 64 && text.All(char.IsAsciiHexDigit);
}
