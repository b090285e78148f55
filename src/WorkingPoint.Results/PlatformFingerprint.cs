using System.Globalization;

namespace WorkingPoint.Results;

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
    public PlatformFingerprint WithRuntime(string name, string version) =>
        this with { RuntimeVersions = new SortedDictionary<string, string>(RuntimeVersions.ToDictionary(), StringComparer.Ordinal) { [name] = version } };

    public override string ToString() => $"{CpuModel} ({Architecture}, {LogicalCores} threads, {MemoryBytes / (1024.0 * 1024 * 1024):0.#} GiB), {OperatingSystem}";
}
