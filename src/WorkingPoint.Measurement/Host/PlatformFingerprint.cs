using System.Globalization;
using System.Runtime.InteropServices;

namespace WorkingPoint.Measurement;

/// <summary>Who measured: enough about the machine and its software to tell two results apart or know they are comparable.</summary>
/// <param name="CpuModel">The CPU's marketing name (Linux /proc/cpuinfo "model name", or the "Model"/"Hardware" line on ARM boards).</param>
/// <param name="Architecture">x64, arm64, …</param>
/// <param name="LogicalCores">Logical processors this process may use.</param>
/// <param name="MemoryBytes">Installed memory as the OS reports it; 0 when unknown.</param>
/// <param name="OperatingSystem">OS description and kernel.</param>
/// <param name="Hostname">The machine's name.</param>
/// <param name="RuntimeVersions">Software that affects results: .NET, ONNX Runtime, llama.cpp, …</param>
public sealed record PlatformFingerprint(
    string CpuModel,
    string Architecture,
    int LogicalCores,
    long MemoryBytes,
    string OperatingSystem,
    string Hostname,
    IReadOnlyDictionary<string, string> RuntimeVersions)
{
    /// <summary>This machine, with the .NET version; adapters add their own runtime versions with <see cref="WithRuntime"/>.</summary>
    public static PlatformFingerprint OfThisMachine() => new(
        ReadCpuModel(),
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        Environment.ProcessorCount,
        ReadMeminfoBytes("MemTotal:"),
        RuntimeInformation.OSDescription,
        Environment.MachineName,
        new SortedDictionary<string, string>(StringComparer.Ordinal) { [".NET"] = RuntimeInformation.FrameworkDescription });

    public PlatformFingerprint WithRuntime(string name, string version) =>
        this with { RuntimeVersions = new SortedDictionary<string, string>(RuntimeVersions.ToDictionary(), StringComparer.Ordinal) { [name] = version } };

    public override string ToString() => $"{CpuModel} ({Architecture}, {LogicalCores} threads, {MemoryBytes / (1024.0 * 1024 * 1024):0.#} GiB), {OperatingSystem}";

    private static string ReadCpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            // x86 has "model name"; ARM boards often only "Hardware" or "Model" (e.g. Raspberry Pi 5, Jetson).
            string? fallback = null;
            foreach (var line in File.ReadLines(cpuinfo))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    continue;
                }

                var key = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (key == "model name" && value.Length > 0)
                {
                    return value;
                }

                if ((key is "Model" or "Hardware") && value.Length > 0)
                {
                    fallback ??= value;
                }
            }

            if (fallback is not null)
            {
                return fallback;
            }
        }

        return $"unknown {RuntimeInformation.ProcessArchitecture} CPU";
    }

    /// <summary>Memory the OS could give a new process now without swapping (Linux MemAvailable); null where the OS does not say.</summary>
    public static long? AvailableMemoryBytes() => ReadMeminfoBytes("MemAvailable:") is > 0 and var bytes ? bytes : null;

    private static long ReadMeminfoBytes(string key)
    {
        const string meminfo = "/proc/meminfo";
        if (!File.Exists(meminfo))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(meminfo))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
