using System.Globalization;

namespace WorkingPoint.Results;

/// <summary>
/// What a run needs to be reproduced, or to explain why two runs differ, beyond the machine (<see cref="PlatformFingerprint"/>,
/// which carries the runtime versions) and the wpt build (saved by the store): the command line, the threads and the CPUs they
/// may run on, the CPU's frequency policy, the kernel, the board's power mode, and the hash of every model file used.
/// A field this machine does not expose reads <see cref="NotReadable"/>, so "not there" is never mistaken for "not collected".
/// </summary>
/// <param name="CommandLine">The exact command line, arguments quoted where they hold spaces.</param>
/// <param name="Threads">The threads the run asked for ("default" when the runtime chose).</param>
/// <param name="Affinity">The CPUs this process may run on (Linux Cpus_allowed_list, e.g. "0-3").</param>
/// <param name="Governor">cpufreq scaling governor of each distinct policy (e.g. "performance", "schedutil").</param>
/// <param name="CurrentFrequencyMHz">cpufreq current frequency, min–max over the CPUs, when the run was saved.</param>
/// <param name="MaxFrequencyMHz">cpufreq hardware maximum frequency (cpuinfo_max_freq), min–max over the CPUs.</param>
/// <param name="Kernel">Kernel name and release (uname -sr).</param>
/// <param name="PowerMode">The board's power mode: <c>nvpmodel -q</c> on Jetson, else the platform profile (/sys/firmware/acpi/platform_profile).</param>
/// <param name="ModelSha256">Each model file used, by name, with its SHA-256.</param>
public sealed record RunManifest(
    string CommandLine,
    string Threads,
    string Affinity,
    string Governor,
    string CurrentFrequencyMHz,
    string MaxFrequencyMHz,
    string Kernel,
    string PowerMode,
    IReadOnlyDictionary<string, string> ModelSha256)
{
    public const string NotReadable = "not readable on this machine";

    /// <summary>The fields in display order, as (name, value); the model hashes one per model. What <c>results show</c> prints and <c>results compare</c> diffs.</summary>
    public IEnumerable<(string Name, string Value)> Entries()
    {
        yield return ("command line", CommandLine);
        yield return ("threads", Threads);
        yield return ("CPU affinity", Affinity);
        yield return ("CPU governor", Governor);
        yield return ("CPU frequency now", CurrentFrequencyMHz);
        yield return ("CPU frequency max", MaxFrequencyMHz);
        yield return ("kernel", Kernel);
        yield return ("power mode", PowerMode);
        foreach (var (model, sha) in ModelSha256.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            yield return ($"model {model}", sha);
        }
    }

    /// <summary>Each field that differs between two manifests, as "name: a → b"; the command line last, since it differs almost always.</summary>
    public static IReadOnlyList<string> Differences(RunManifest? a, RunManifest? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null ? [] : [$"manifest: {(a is null ? "not recorded" : "recorded")} → {(b is null ? "not recorded" : "recorded")}"];
        }

        var left = a.Entries().ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
        var right = b.Entries().ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
        return left.Keys.Union(right.Keys).OrderBy(k => k == "command line" ? 1 : 0)
            .Select(k => (k, x: left.GetValueOrDefault(k) ?? "(none)", y: right.GetValueOrDefault(k) ?? "(none)"))
            .Where(d => d.x != d.y)
            .Select(d => $"{d.k}: {d.x} → {d.y}")
            .ToArray();
    }
}
