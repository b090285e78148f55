using WorkingPoint.Catalog;

namespace WorkingPoint.Cli.Commands;

/// <summary>
/// Which runtime profile the validate commands predict with: the host's, as <c>wpt measure runtimes</c> fitted them, when they
/// predict for <c>host</c> and the file exists; the platform's default fractions otherwise.
/// </summary>
internal static class HostProfileChoice
{
    public const string DefaultsLabel = "defaults: run wpt measure runtimes";

    /// <summary>Read before anything runs, so a damaged file fails the command at once (one line, exit 2).</summary>
    public static HostRuntimeProfiles? For(string platform) => platform == HostPlatform.Id ? HostRuntimeProfilesFile.ReadDefault() : null;

    /// <summary>"host profiles measured 2026-12-01 23:10", or what the prediction used instead.</summary>
    public static string Label(HostRuntimeProfiles? profiles, bool applies, string platform) =>
        profiles is not null && applies ? profiles.Label
        : platform == HostPlatform.Id ? DefaultsLabel
        : $"the fractions of {platform} (host profiles apply to --platform host)";
}
