using System.Globalization;
using System.Runtime.InteropServices;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement;

/// <summary>Reads <see cref="PlatformFingerprint"/> off the machine this process runs on (the record itself lives with the results).</summary>
public static class ThisMachine
{
    extension(PlatformFingerprint)
    {
        /// <summary>This machine, with the .NET version; adapters add their own runtime versions with <see cref="PlatformFingerprint.WithRuntime"/>.</summary>

        public static PlatformFingerprint OfThisMachine() => new(
            ReadCpuModel(),
            RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            Environment.ProcessorCount,
            ReadMeminfoBytes("MemTotal:"),
            RuntimeInformation.OSDescription,
            Environment.MachineName,
            new SortedDictionary<string, string>(StringComparer.Ordinal) { [".NET"] = RuntimeInformation.FrameworkDescription });

        /// <summary>Memory the OS could give a new process now without swapping (Linux MemAvailable); null where the OS does not say.</summary>

        public static long? AvailableMemoryBytes() => ReadMeminfoBytes("MemAvailable:") is > 0 and var bytes ? bytes : null;
    }

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
