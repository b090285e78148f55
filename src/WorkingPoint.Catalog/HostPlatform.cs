using System.Globalization;
using System.Text;
using WorkingPoint.Core.Files;

namespace WorkingPoint.Catalog;

/// <summary>What <c>wpt measure roofline</c> found, as the figures a platform description needs.</summary>
public sealed record HostFigures(
    string CpuModel,
    int LogicalCores,
    double Fp32Tops,
    string Fp32Path,
    double Int8Tops,
    string Int8Path,
    double LastLevelCacheMiB,
    double LastLevelCacheTriadGBps,
    double DramTriadGBps,
    double? MemoryGiB,
    DateTimeOffset MeasuredAt);

/// <summary>
/// The measured <c>host</c> platform: written by <c>wpt measure roofline</c> as a platform YAML file in the data directory, and
/// what <c>--platform host</c> resolves to once it exists (before that, the catalog's placeholder with unknown figures).
/// </summary>
public static class HostPlatform
{
    public const string Id = "host";
    public const string FileName = "host.yaml";

    public static string DefaultPath => System.IO.Path.Combine(DataDirectory.Path, FileName);

    /// <summary>Writes the description atomically (temporary file, then rename), so a reader never sees half of it.</summary>
    public static void Write(string path, HostFigures f)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        AtomicFile.WriteAllText(path, Yaml(f), Encoding.UTF8);
    }

    public static string Yaml(HostFigures f)
    {
        string N(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        var when = f.MeasuredAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var name = f.CpuModel.Replace("\"", "'", StringComparison.Ordinal);
        return $"""
            # Written by `wpt measure roofline` on {when}. Measured ceilings of this machine; measure again after hardware changes.
            id: host
            name: "This machine: {name} ({f.LogicalCores} threads, measured)"
            vendor: local
            kind: cpu
            execution: layer-by-layer
            formFactor: the computer WorkingPoint runs on
            notes: >-
              Measured by wpt measure roofline: compute peaks are all-core microbenchmarks ({f.Fp32Path} for fp32, {f.Int8Path} for int8);
              DRAM bandwidth is the STREAM triad beyond the last-level cache, and the on-chip level is the last-level cache with its
              triad bandwidth. Predictions apply the default achievable fractions on top of these measured ceilings.
            sources:
              M: "wpt measure roofline, {when} (measured on this machine)"
            compute:
              int8: {"{"} value: {N(f.Int8Tops)}, source: M, note: "{f.Int8Path}, all cores" {"}"}
              fp16: {"{"} value: null, note: "no fp16 arithmetic measured on this CPU; see 'wpt measure roofline'" {"}"}
              fp32: {"{"} value: {N(f.Fp32Tops)}, source: M, note: "{f.Fp32Path}, all cores" {"}"}
            memory:
              onChip:
                capacityMiB: {"{"} value: {N(f.LastLevelCacheMiB)}, source: M, note: "last-level cache, all instances" {"}"}
                bandwidthGBps: {"{"} value: {N(f.LastLevelCacheTriadGBps)}, source: M, note: "STREAM triad inside the last-level cache" {"}"}
              dram:
                type: unknown
                dataRateMTps: {"{"} value: null, note: "not read from the machine; the measured bandwidth is used instead" {"}"}
                busWidthBits: {"{"} value: null, note: "not read from the machine; the measured bandwidth is used instead" {"}"}
                capacityGiB: {(f.MemoryGiB is { } gib ? $"{{ value: {N(gib)}, source: M, note: \"memory the OS reports\" }}" : "{ value: null, note: \"not reported by the OS\" }")}
                measuredGBps: {"{"} value: {N(f.DramTriadGBps)}, source: M, note: "STREAM triad, all cores, working set 4x the last-level cache" {"}"}
            power:
              idleW: {"{"} value: null, note: "not measured" {"}"}
              maxW: {"{"} value: null, note: "not measured" {"}"}
              sustainedW: {"{"} value: null, note: "not measured" {"}"}
              passivelyCooled: false

            """;
    }
}
