using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace WorkingPoint.Measurement;

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

    private static readonly string[] NvpmodelPaths = ["/usr/sbin/nvpmodel", "/usr/bin/nvpmodel"];

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
            ProcStatusField(root, "Cpus_allowed_list") ?? NotReadable,
            Distinct(cpus.Select(c => ReadLine(Path.Combine(c, "cpufreq", "scaling_governor")))),
            MhzRange(cpus.Select(c => ReadLine(Path.Combine(c, "cpufreq", "scaling_cur_freq")))),
            MhzRange(cpus.Select(c => ReadLine(Path.Combine(c, "cpufreq", "cpuinfo_max_freq")))),
            KernelOf(root),
            nvpmodel() ?? ReadLine(Path.Combine(root, "sys", "firmware", "acpi", "platform_profile")) ?? NotReadable,
            new SortedDictionary<string, string>(modelSha256.ToDictionary(), StringComparer.Ordinal));
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
        return found.Length == 0 ? NotReadable : string.Join(", ", found);
    }

    /// <summary>cpufreq files hold kHz; the range over the CPUs in MHz ("2400" or "1800–2400").</summary>
    private static string MhzRange(IEnumerable<string?> kiloHertz)
    {
        var mhz = kiloHertz.Select(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k / 1000 : (long?)null).OfType<long>().ToArray();
        return mhz.Length == 0 ? NotReadable
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
