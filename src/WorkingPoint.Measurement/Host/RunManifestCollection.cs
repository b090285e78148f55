using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement;

/// <summary>Collects a <see cref="RunManifest"/> on the machine this process runs on (the record itself lives with the results).</summary>
public static class RunManifestCollection
{
    private static readonly string[] NvpmodelPaths = ["/usr/sbin/nvpmodel", "/usr/bin/nvpmodel"];

    extension(RunManifest)
    {
        /// <summary>Collects this machine's manifest for a run.</summary>
        /// <param name="commandLine">The arguments as given (without the program); null takes this process's own.</param>
        /// <param name="threads">The threads the run asked for; null: the runtime's default.</param>
        /// <param name="modelSha256">Model name → SHA-256 of its file.</param>
        public static RunManifest Collect(IReadOnlyList<string>? commandLine, int? threads, IReadOnlyDictionary<string, string> modelSha256) =>
            Collect(commandLine, threads, modelSha256, "/", RunNvpmodel);

        /// <summary>The same, reading /proc and /sys under <paramref name="root"/> (a fixture in tests) and asking <paramref name="nvpmodel"/> for the Jetson power mode.</summary>
        public static RunManifest Collect(IReadOnlyList<string>? commandLine, int? threads, IReadOnlyDictionary<string, string> modelSha256, string root, Func<string?> nvpmodel)
        {
            ArgumentNullException.ThrowIfNull(modelSha256);
            ArgumentNullException.ThrowIfNull(nvpmodel);
            var arguments = commandLine ?? Environment.GetCommandLineArgs().Skip(1).ToArray();
            var cpus = CpuDirectories(root);
            return new RunManifest(
                string.Join(' ', arguments.Select(Quote).Prepend("wpt")),
                threads?.ToString(CultureInfo.InvariantCulture) ?? "default",
                ProcStatusField(root, "Cpus_allowed_list") ?? RunManifest.NotReadable,
                Distinct(cpus.Select(c => ReadLine(Path.Combine(c, "cpufreq", "scaling_governor")))),
                MhzRange(cpus.Select(c => ReadLine(Path.Combine(c, "cpufreq", "scaling_cur_freq")))),
                MhzRange(cpus.Select(c => ReadLine(Path.Combine(c, "cpufreq", "cpuinfo_max_freq")))),
                KernelOf(root),
                nvpmodel() ?? ReadLine(Path.Combine(root, "sys", "firmware", "acpi", "platform_profile")) ?? RunManifest.NotReadable,
                new SortedDictionary<string, string>(modelSha256.ToDictionary(), StringComparer.Ordinal));
        }
    }

    private static string Quote(string argument) =>
        argument.Length == 0 || argument.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '`' or '\\') ? $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'" : argument;

    private static string[] CpuDirectories(string root)
    {
        var directory = Path.Combine(root, "sys", "devices", "system", "cpu");
        try
        {
            return Directory.Exists(directory)
                ? Directory.GetDirectories(directory, "cpu*").Where(d => Path.GetFileName(d)[3..].All(char.IsAsciiDigit) && Path.GetFileName(d).Length > 3).Order(StringComparer.Ordinal).ToArray()
                : [];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string Distinct(IEnumerable<string?> values)
    {
        var found = values.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return found.Length == 0 ? RunManifest.NotReadable : string.Join(", ", found);
    }

    /// <summary>cpufreq files hold kHz; the range over the CPUs in MHz ("2400" or "1800–2400").</summary>
    private static string MhzRange(IEnumerable<string?> kiloHertz)
    {
        var mhz = kiloHertz.Select(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k / 1000 : (long?)null).OfType<long>().ToArray();
        return mhz.Length == 0 ? RunManifest.NotReadable
            : mhz.Min() == mhz.Max() ? $"{mhz[0].ToString(CultureInfo.InvariantCulture)} MHz"
            : $"{mhz.Min().ToString(CultureInfo.InvariantCulture)}–{mhz.Max().ToString(CultureInfo.InvariantCulture)} MHz";
    }

    private static string KernelOf(string root)
    {
        var release = ReadLine(Path.Combine(root, "proc", "sys", "kernel", "osrelease"));
        var name = ReadLine(Path.Combine(root, "proc", "sys", "kernel", "ostype"));
        return release is not null ? $"{name ?? "Linux"} {release}" : RuntimeInformation.OSDescription;
    }

    private static string? ProcStatusField(string root, string key)
    {
        var path = Path.Combine(root, "proc", "self", "status");
        try
        {
            return File.Exists(path)
                ? File.ReadLines(path).Where(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..].Trim()).FirstOrDefault()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadLine(string path)
    {
        try
        {
            return File.Exists(path) && File.ReadLines(path).FirstOrDefault()?.Trim() is { Length: > 0 } line ? line : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"nvpmodel -q" on a Jetson (its power mode line, e.g. "NV Power Mode: MAXN_SUPER"); null where the tool is not installed or fails.</summary>
    private static string? RunNvpmodel()
    {
        var tool = NvpmodelPaths.FirstOrDefault(File.Exists);
        if (tool is null)
        {
            return null;
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(tool, "-q") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)) || process.ExitCode != 0)
            {
                return null;
            }

            return output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("NV Power Mode", StringComparison.Ordinal));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
