using WorkingPoint.Measurement;
using WorkingPoint.Results;

namespace WorkingPoint.Lab.Agent;

/// <summary>What this machine can run, as the agent registers it: its fingerprint's figures, the accelerators its device nodes show, the runtimes and job kinds of its executor.</summary>
public static class DeviceProbe
{
    public static DeviceCapabilities Capabilities(PlatformFingerprint fingerprint, IJobExecutor executor, string root = "/")
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(executor);
        var runtimes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, version) in fingerprint.RuntimeVersions.Concat(executor.RuntimeVersions))
        {
            runtimes[name] = version;
        }

        return new DeviceCapabilities(fingerprint.Architecture, fingerprint.LogicalCores, fingerprint.MemoryBytes, Accelerators(root), runtimes, executor.Kinds);
    }

    public static PlatformFingerprint ThisMachine() => PlatformFingerprint.OfThisMachine();

    /// <summary>
    /// Accelerators by the device nodes and driver files under <paramref name="root"/> (Linux; none elsewhere): NVIDIA GPUs
    /// ("cuda:MODEL" from the driver, "cuda:BOARD" on a Jetson), Hailo ("hailo"), Coral Edge TPU ("edgetpu"), Rockchip NPU ("rknpu"),
    /// AMD ROCm ("rocm") and kernel accel-class NPUs ("npu"). Only what is found is listed: an empty list is a CPU-only machine.
    /// </summary>
    public static IReadOnlyList<string> Accelerators(string root = "/")
    {
        var found = new List<string>();
        string In(string path) => Path.Combine(root, path);
        IEnumerable<string> Entries(string directory, string pattern) =>
            Directory.Exists(In(directory)) ? Directory.EnumerateFileSystemEntries(In(directory), pattern).Order(StringComparer.Ordinal) : [];

        // Discrete NVIDIA GPUs: the driver names each model; the device nodes alone say only that there is one.
        foreach (var information in Entries("proc/driver/nvidia/gpus", "*").Select(gpu => Path.Combine(gpu, "information")).Where(File.Exists))
        {
            var model = File.ReadLines(information).Select(line => line.Split(':', 2)).FirstOrDefault(parts => parts.Length == 2 && parts[0].Trim() == "Model")?[1].Trim();
            found.Add("cuda:" + (string.IsNullOrEmpty(model) ? "gpu" : model));
        }

        if (found.Count == 0 && Entries("dev", "nvidia*").Any(node => Path.GetFileName(node) is var name && name.Length > 6 && char.IsAsciiDigit(name[6])))
        {
            found.Add("cuda");
        }

        // Jetson: an integrated GPU behind nvhost/nvgpu nodes; the board is named in the device tree.
        if (File.Exists(In("dev/nvhost-ctrl-gpu")) || Directory.Exists(In("dev/nvgpu")))
        {
            found.Add("cuda:" + (BoardModel(root) ?? "tegra"));
        }

        if (Entries("dev", "hailo*").Any())
        {
            found.Add("hailo");
        }

        if (Entries("dev", "apex_*").Any())
        {
            found.Add("edgetpu");
        }

        if (File.Exists(In("dev/rknpu")) || Directory.Exists(In("sys/class/misc/rknpu")) || Entries("sys/class/devfreq", "*.npu").Any())
        {
            found.Add("rknpu");
        }

        if (File.Exists(In("dev/kfd")))
        {
            found.Add("rocm");
        }

        if (Entries("dev/accel", "accel*").Any())
        {
            found.Add("npu");
        }

        return found;
    }

    /// <summary>The board's name from the device tree (ARM boards: "NVIDIA Jetson Orin Nano Developer Kit", "Raspberry Pi 5 Model B Rev 1.0"); null elsewhere.</summary>
    public static string? BoardModel(string root = "/")
    {
        var path = Path.Combine(root, "proc/device-tree/model");
        if (!File.Exists(path))
        {
            return null;
        }

        var model = File.ReadAllText(path).TrimEnd('\0', '\n', ' ');
        return model.Length == 0 ? null : model;
    }
}
