using System.Diagnostics;
using System.Globalization;

namespace WorkingPoint.Measurement.Telemetry;

/// <summary>
/// Finds the sensors a Linux machine exposes: powercap/RAPL energy counters, hwmon power, voltage × current (INA3221 on Jetson)
/// and temperature, the older Jetson INA3221 IIO rails, thermal zones, cpufreq clocks, and NVIDIA GPUs through nvidia-smi.
/// </summary>
/// <remarks>
/// Energy per inference uses one "total power" figure, chosen so nothing is counted twice: the board's input rail where an INA
/// monitor reports one (Jetson VDD_IN / VIN), else the sum of the RAPL package domains (CPU sockets, not their sub-domains), else
/// the sum of hwmon power sensors, else the GPU's own power from nvidia-smi. Everything else is still sampled and reported.
/// </remarks>
public static class TelemetryDiscovery
{
    /// <param name="root">The file-system root to look under ("/" on a real machine; a fixture directory in tests).</param>
    /// <param name="includeNvidiaSmi">Whether to look for nvidia-smi on PATH.</param>
    public static IReadOnlyList<TelemetrySource> Discover(string root = "/", bool includeNvidiaSmi = true)
    {
        var boardInput = new List<Func<bool, TelemetrySource>>();
        var packages = new List<Func<bool, TelemetrySource>>();
        var hwmonPower = new List<Func<bool, TelemetrySource>>();
        var gpuPower = new List<Func<bool, TelemetrySource>>();
        var others = new List<TelemetrySource>();

        FindRapl(root, packages, others);
        FindHwmon(root, boardInput, hwmonPower, others);
        FindJetsonIio(root, boardInput, hwmonPower);
        FindThermalZones(root, others);
        FindCpuFrequency(root, others);
        if (includeNvidiaSmi && NvidiaSmi.Find() is { } smi)
        {
            var reader = new NvidiaSmi(smi);
            gpuPower.Add(counts => reader.Source("nvidia.gpu.power", TelemetryQuantity.Power, counts));
            others.Add(reader.Source("nvidia.gpu.temperature", TelemetryQuantity.Temperature, false));
            others.Add(reader.Source("nvidia.gpu.sm-clock", TelemetryQuantity.ClockFrequency, false));
        }

        var total = new[] { boardInput, packages, hwmonPower, gpuPower }.FirstOrDefault(group => group.Count > 0);
        var power = new[] { boardInput, packages, hwmonPower, gpuPower }.SelectMany(group => group.Select(make => make(ReferenceEquals(group, total))));
        return power.Concat(others).ToArray();
    }

    private static string Sys(string root, string relative) => Path.Combine(root, relative);

    private static IEnumerable<string> Directories(string path, string pattern) =>
        Directory.Exists(path) ? Directory.EnumerateDirectories(path, pattern).Order(StringComparer.Ordinal) : [];

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void FindRapl(string root, List<Func<bool, TelemetrySource>> packages, List<TelemetrySource> others)
    {
        foreach (var zone in Directories(Sys(root, "sys/class/powercap"), "*rapl:*"))
        {
            var energy = Path.Combine(zone, "energy_uj");
            if (!File.Exists(energy) || ReadText(energy) is null)
            {
                continue; // Unreadable without privileges on recent kernels: treated as absent.
            }

            var name = ReadText(Path.Combine(zone, "name")) ?? Path.GetFileName(zone);
            var range = long.TryParse(ReadText(Path.Combine(zone, "max_energy_range_uj")), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : long.MaxValue;
            var topLevel = Path.GetFileName(zone).Count(c => c == ':') == 1;
            var sourceName = $"rapl.{name}";
            if (topLevel && name.StartsWith("package", StringComparison.Ordinal))
            {
                packages.Add(counts => new EnergyCounterSource(sourceName, energy, range, counts));
            }
            else
            {
                others.Add(new EnergyCounterSource(sourceName, energy, range, false));
            }
        }
    }

    private static void FindHwmon(string root, List<Func<bool, TelemetrySource>> boardInput, List<Func<bool, TelemetrySource>> hwmonPower, List<TelemetrySource> others)
    {
        foreach (var device in Directories(Sys(root, "sys/class/hwmon"), "hwmon*"))
        {
            var chip = ReadText(Path.Combine(device, "name")) ?? Path.GetFileName(device);
            foreach (var file in Directory.EnumerateFiles(device).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal))
            {
                if (Channel(file, "power", "_input") is { } power)
                {
                    var label = ReadText(Path.Combine(device, $"power{power}_label")) ?? $"power{power}";
                    var path = Path.Combine(device, file);
                    hwmonPower.Add(counts => new ScaledFileSource($"hwmon.{chip}.{label}", TelemetryQuantity.Power, path, 1e-6, counts));
                }
                else if (Channel(file, "temp", "_input") is { } temp)
                {
                    var label = ReadText(Path.Combine(device, $"temp{temp}_label")) ?? $"temp{temp}";
                    others.Add(new ScaledFileSource($"hwmon.{chip}.{label}", TelemetryQuantity.Temperature, Path.Combine(device, file), 1e-3));
                }
                else if (Channel(file, "curr", "_input") is { } rail && File.Exists(Path.Combine(device, $"in{rail}_input")))
                {
                    // INA-style monitors: a rail's voltage and current share a channel number.
                    var label = ReadText(Path.Combine(device, $"in{rail}_label")) ?? $"rail{rail}";
                    var mv = Path.Combine(device, $"in{rail}_input");
                    var ma = Path.Combine(device, file);
                    var target = IsBoardInput(label) ? boardInput : hwmonPower;
                    target.Add(counts => new VoltageCurrentSource($"hwmon.{chip}.{label}", mv, ma, counts));
                }
            }
        }
    }

    /// <summary>JetPack 4's ina3221x driver: in_power{N}_input in mW, named by rail_name_{N}.</summary>
    private static void FindJetsonIio(string root, List<Func<bool, TelemetrySource>> boardInput, List<Func<bool, TelemetrySource>> hwmonPower)
    {
        foreach (var monitor in Directories(Sys(root, "sys/bus/i2c/drivers/ina3221x"), "*"))
        {
            foreach (var device in Directories(monitor, "iio:device*"))
            {
                for (var channel = 0; File.Exists(Path.Combine(device, $"in_power{channel}_input")); channel++)
                {
                    var label = ReadText(Path.Combine(device, $"rail_name_{channel}")) ?? $"rail{channel}";
                    var path = Path.Combine(device, $"in_power{channel}_input");
                    var target = IsBoardInput(label) ? boardInput : hwmonPower;
                    target.Add(counts => new ScaledFileSource($"ina3221.{label}", TelemetryQuantity.Power, path, 1e-3, counts));
                }
            }
        }
    }

    private static bool IsBoardInput(string label) =>
        label.Equals("VDD_IN", StringComparison.OrdinalIgnoreCase) || label.StartsWith("POM_5V_IN", StringComparison.OrdinalIgnoreCase) || label.Equals("VIN", StringComparison.OrdinalIgnoreCase);

    private static void FindThermalZones(string root, List<TelemetrySource> others)
    {
        foreach (var zone in Directories(Sys(root, "sys/class/thermal"), "thermal_zone*"))
        {
            var temp = Path.Combine(zone, "temp");
            if (File.Exists(temp))
            {
                var type = ReadText(Path.Combine(zone, "type")) ?? Path.GetFileName(zone);
                others.Add(new ScaledFileSource($"thermal.{type}", TelemetryQuantity.Temperature, temp, 1e-3));
            }
        }
    }

    private static void FindCpuFrequency(string root, List<TelemetrySource> others)
    {
        var files = Directories(Sys(root, "sys/devices/system/cpu"), "cpu*")
            .Where(d => int.TryParse(Path.GetFileName(d)[3..], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            .Select(d => Path.Combine(d, "cpufreq", "scaling_cur_freq"))
            .Where(File.Exists)
            .ToArray();
        if (files.Length > 0)
        {
            others.Add(new MeanOfFilesSource("cpufreq.mean", TelemetryQuantity.ClockFrequency, files, 1e-3));
        }
    }

    /// <summary>The channel number in names like "power1_input", or null.</summary>
    private static int? Channel(string file, string prefix, string suffix) =>
        file.StartsWith(prefix, StringComparison.Ordinal) && file.EndsWith(suffix, StringComparison.Ordinal)
        && int.TryParse(file.AsSpan(prefix.Length, file.Length - prefix.Length - suffix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : null;

    /// <summary>The mean over several files (one per CPU core), so a 128-core machine gives one clock series, not 128.</summary>
    private sealed class MeanOfFilesSource(string name, TelemetryQuantity quantity, IReadOnlyList<string> paths, double scale) : TelemetrySource(name, quantity)
    {
        public override double? Read(double secondsFromStart)
        {
            var values = paths.Select(ReadInteger).OfType<long>().ToArray();
            return values.Length == 0 ? null : values.Average() * scale;
        }
    }

    /// <summary>nvidia-smi queried once per sampling tick for power, temperature and SM clock of GPU 0.</summary>
    private sealed class NvidiaSmi(string executable)
    {
        private double _readAt = double.NaN;
        private double?[] _values = [null, null, null];

        public static string? Find() =>
            (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "nvidia-smi"))
                .FirstOrDefault(File.Exists);

        public TelemetrySource Source(string name, TelemetryQuantity quantity, bool counts) => new Field(this, name, quantity, counts);

        private double? Value(TelemetryQuantity quantity, double secondsFromStart)
        {
            if (secondsFromStart != _readAt)
            {
                _readAt = secondsFromStart;
                _values = Query();
            }

            return _values[(int)quantity];
        }

        private double?[] Query()
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(executable, "--query-gpu=power.draw,temperature.gpu,clocks.sm --format=csv,noheader,nounits -i 0")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null)
                {
                    return [null, null, null];
                }

                var line = process.StandardOutput.ReadLine() ?? string.Empty;
                process.WaitForExit(2000);
                var parts = line.Split(',', StringSplitOptions.TrimEntries);
                return parts.Length < 3 ? [null, null, null] : parts.Take(3).Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null).ToArray();
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
            {
                return [null, null, null];
            }
        }

        private sealed class Field(NvidiaSmi smi, string name, TelemetryQuantity quantity, bool counts) : TelemetrySource(name, quantity, counts)
        {
            public override double? Read(double secondsFromStart) => smi.Value(Quantity, secondsFromStart);
        }
    }
}
