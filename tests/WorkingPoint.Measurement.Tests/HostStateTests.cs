using WorkingPoint.Results;
namespace WorkingPoint.Measurement.Tests;

public sealed class HostStateTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wpt-host-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // A /proc/stat with steal, and a /proc/self/stat whose command name holds spaces and a ')'.
    private const string ProcStat = "cpu  1000 50 300 8000 100 10 20 5 0 0\ncpu0 500 25 150 4000 50 5 10 2 0 0\nintr 1 2 3\n";
    private const string SelfStat = "1234 (wpt (x) y) R 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 9 0 123 456 789\n";

    [Fact]
    public void The_cpu_counters_parse_from_proc_fixtures()
    {
        var counters = CpuCounters.Parse(ProcStat, SelfStat)!.Value;

        Assert.Equal(1000 + 50 + 300 + 10 + 20, counters.BusyTicks);
        Assert.Equal(8000 + 100, counters.IdleTicks);
        Assert.Equal(5, counters.StealTicks);
        Assert.Equal(250 + 50, counters.OwnTicks);
    }

    [Theory]
    [InlineData("intr 1 2 3\n", SelfStat)]
    [InlineData(ProcStat, "1234 wpt R 1")]
    [InlineData("cpu  1 2 x 4 5 6 7\n", SelfStat)]
    public void Counters_not_in_procs_form_are_not_read(string stat, string self) => Assert.Null(CpuCounters.Parse(stat, self));

    [Theory]
    // Two cores, 400 ticks in all (200 per core). Ours 150 of 300 busy: others 0.75 cores — contended.
    [InlineData(300, 0, 150, 0.75, 0, true)]
    // Ours 150 of 160 busy: others 0.05 cores — quiet.
    [InlineData(160, 0, 150, 0.05, 0, false)]
    // Quiet, but the hypervisor stole 40 of 400 ticks: 10 % steal — contended.
    [InlineData(160, 40, 150, 0.05, 10, true)]
    public void Other_processes_load_is_total_busy_less_ours(long busy, long steal, long own, double otherCores, double stealPercent, bool contended)
    {
        var first = new CpuCounters(1000, 1000, 0, 100);
        var second = new CpuCounters(1000 + busy, 1000 + (400 - busy - steal), steal, 100 + own);

        var load = CpuContention.Between(first, second, logicalCores: 2)!.Value;
        Assert.Equal(otherCores, load.OtherCores, 9);
        Assert.Equal(stealPercent, load.StealPercent, 9);
        Assert.Equal(contended, new CpuContention(null, load.OtherCores, load.StealPercent, load.OwnCores).Contended);
        Assert.Equal(contended, new CpuContention(null, load.OtherCores, load.StealPercent, load.OwnCores).Warning?.StartsWith("contended:", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void The_sampler_reads_this_machine_or_says_it_cannot()
    {
        // Long enough for the kernel's tick counters (100 Hz) to move.
        using var sampler = new ContentionSampler(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(20));
        Thread.Sleep(200);
        var load = sampler.Stop();
        Assert.Equal(OperatingSystem.IsLinux(), sampler.Measurable);
        Assert.Equal(OperatingSystem.IsLinux(), load is not null);
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
    }

    [Fact]
    public void The_manifest_reads_governor_frequency_affinity_kernel_and_power_mode()
    {
        Write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance");
        Write("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1800000");
        Write("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "2400000");
        Write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "schedutil");
        Write("sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", "2400000");
        Write("sys/devices/system/cpu/cpu1/cpufreq/cpuinfo_max_freq", "2400000");
        Write("sys/devices/system/cpu/cpufreq/boost", "1");
        Write("proc/self/status", "Name:\twpt\nCpus_allowed_list:\t0-1");
        Write("proc/sys/kernel/osrelease", "6.1.0-rpi7");
        Write("proc/sys/kernel/ostype", "Linux");

        var manifest = RunManifest.Collect(["bench", "onnx", "my model.onnx"], 4, new Dictionary<string, string> { ["m"] = "ab12" }, _root, () => "NV Power Mode: MAXN_SUPER");

        Assert.Equal("wpt bench onnx 'my model.onnx'", manifest.CommandLine);
        Assert.Equal("4", manifest.Threads);
        Assert.Equal("0-1", manifest.Affinity);
        Assert.Equal("performance, schedutil", manifest.Governor);
        Assert.Equal("1800–2400 MHz", manifest.CurrentFrequencyMHz);
        Assert.Equal("2400 MHz", manifest.MaxFrequencyMHz);
        Assert.Equal("Linux 6.1.0-rpi7", manifest.Kernel);
        Assert.Equal("NV Power Mode: MAXN_SUPER", manifest.PowerMode);
        Assert.Equal("ab12", manifest.ModelSha256["m"]);
    }

    [Fact]
    public void A_machine_without_cpufreq_or_a_power_mode_says_so_in_the_manifest()
    {
        var manifest = RunManifest.Collect([], null, new Dictionary<string, string>(), _root, () => null);

        Assert.Equal("default", manifest.Threads);
        Assert.All(new[] { manifest.Affinity, manifest.Governor, manifest.CurrentFrequencyMHz, manifest.MaxFrequencyMHz, manifest.PowerMode }, v => Assert.Equal(RunManifest.NotReadable, v));
    }

    [Fact]
    public void This_linux_machines_manifest_has_its_kernel_and_affinity()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The manifest reads /proc on Linux only; elsewhere the fields say "not readable".
        }

        var manifest = RunManifest.Collect(null, null, new Dictionary<string, string>());

        Assert.NotEqual(RunManifest.NotReadable, manifest.Affinity);
        Assert.StartsWith("Linux ", manifest.Kernel, StringComparison.Ordinal);
        Assert.StartsWith("wpt", manifest.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifests_list_the_fields_that_differ_with_the_command_line_last()
    {
        var a = RunManifest.Collect(["bench", "onnx", "a"], 2, new Dictionary<string, string> { ["m"] = "1" }, _root, () => null);
        var b = a with { Governor = "performance", CommandLine = "wpt bench onnx b", ModelSha256 = new Dictionary<string, string> { ["m"] = "2" } };

        Assert.Equal(
            [$"CPU governor: {RunManifest.NotReadable} → performance", "model m: 1 → 2", "command line: wpt bench onnx a → wpt bench onnx b"],
            RunManifest.Differences(a, b));
        Assert.Empty(RunManifest.Differences(a, a));
    }
}
