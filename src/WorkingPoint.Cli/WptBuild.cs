using WorkingPoint.Core.Versioning;

namespace WorkingPoint.Cli;

/// <summary>This build of wpt: its version and commit (stamped from git at build time) and the built-in catalog's hash.</summary>
internal static class WptBuild
{
    private static readonly Lazy<WptProvenance> CurrentInstance = new(() =>
    {
        var (version, commit) = WptProvenance.VersionOf(typeof(WptBuild).Assembly);
        return new WptProvenance(version, commit, WorkingPoint.Catalog.Catalog.ContentHash);
    });

    public static WptProvenance Current => CurrentInstance.Value;

    /// <summary>What <c>wpt --version</c> prints: the version, then the full commit and catalog hash, one per line.</summary>
    public static string VersionText =>
        $"wpt {Current.Version}\ncommit {Current.Commit}\ncatalog sha256 {Current.CatalogSha256}";
}
