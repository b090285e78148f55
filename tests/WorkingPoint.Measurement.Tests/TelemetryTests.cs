using WorkingPoint.Measurement.Telemetry;

namespace WorkingPoint.Measurement.Tests;

/// <summary>Sensor discovery over fixture sysfs trees laid out as real machines expose them.</summary>
public sealed class TelemetryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wpt-sysfs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content + "\n");
    }

    [Fact]
    public void A_machine_without_sensors_has_none_and_says_power_is_not_measurable()
    {
        var sources = TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false);
        Assert.Empty(sources);

        using var sampler = new TelemetrySampler(sources, TimeSpan.FromMilliseconds(10));
        var capture = sampler.Stop();
        Assert.Null(capture.MeanTotalPower);
        Assert.Null(capture.EnergyPerSample(new Core.Units.Seconds(1), 10));
        Assert.False(capture.Has(TelemetryQuantity.Temperature));
        Assert.Equal("not measurable on this machine", TelemetryCapture.NotMeasurable);
    }

    [Fact]
    public void Rapl_package_energy_becomes_power_and_counts_towards_the_total_but_subdomains_do_not()
    {
        Write("sys/class/powercap/intel-rapl:0/name", "package-0");
        Write("sys/class/powercap/intel-rapl:0/energy_uj", "1000000");
        Write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850");
        Write("sys/class/powercap/intel-rapl:0:0/name", "core");
        Write("sys/class/powercap/intel-rapl:0:0/energy_uj", "500000");

        var sources = TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false);
        var package = Assert.Single(sources, s => s.Name == "rapl.package-0");
        Assert.True(package.CountsTowardsTotalPower);
        Assert.False(Assert.Single(sources, s => s.Name == "rapl.core").CountsTowardsTotalPower);

        Assert.Null(package.Read(0)); // The first read only sets the origin.
        Write("sys/class/powercap/intel-rapl:0/energy_uj", "3500000");
        Assert.Equal(5.0, package.Read(0.5)!.Value, 9); // 2.5 J over 0.5 s.
    }

    [Fact]
    public void An_energy_counter_that_wraps_around_still_gives_the_right_power()
    {
        Write("sys/class/powercap/intel-rapl:0/name", "package-0");
        Write("sys/class/powercap/intel-rapl:0/energy_uj", "999000");
        Write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "1000000");
        var package = TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false).Single();

        package.Read(0);
        Write("sys/class/powercap/intel-rapl:0/energy_uj", "1000");
        Assert.Equal(2.0 / 1000 / 1.0 * 1000, package.Read(0.001)!.Value, 6); // 2000 µJ in 1 ms = 2 W.
    }

    [Fact]
    public void Jetson_ina3221_rails_multiply_voltage_by_current_and_the_board_input_is_the_total()
    {
        Write("sys/class/hwmon/hwmon1/name", "ina3221");
        Write("sys/class/hwmon/hwmon1/in1_label", "VDD_IN");
        Write("sys/class/hwmon/hwmon1/in1_input", "5000");
        Write("sys/class/hwmon/hwmon1/curr1_input", "1200");
        Write("sys/class/hwmon/hwmon1/in2_label", "VDD_CPU_GPU_CV");
        Write("sys/class/hwmon/hwmon1/in2_input", "5000");
        Write("sys/class/hwmon/hwmon1/curr2_input", "400");

        var sources = TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false);
        var input = Assert.Single(sources, s => s.Name == "hwmon.ina3221.VDD_IN");
        Assert.Equal(6.0, input.Read(0)!.Value, 9);
        Assert.True(input.CountsTowardsTotalPower);
        Assert.False(Assert.Single(sources, s => s.Name == "hwmon.ina3221.VDD_CPU_GPU_CV").CountsTowardsTotalPower);
    }

    [Fact]
    public void Legacy_jetson_iio_rails_are_read_in_milliwatts()
    {
        Write("sys/bus/i2c/drivers/ina3221x/1-0040/iio:device0/rail_name_0", "POM_5V_IN");
        Write("sys/bus/i2c/drivers/ina3221x/1-0040/iio:device0/in_power0_input", "4321");
        var rail = Assert.Single(TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false));
        Assert.Equal(4.321, rail.Read(0)!.Value, 9);
        Assert.True(rail.CountsTowardsTotalPower);
    }

    [Fact]
    public void Thermal_zones_hwmon_temperatures_and_cpu_clocks_are_scaled_to_celsius_and_megahertz()
    {
        Write("sys/class/thermal/thermal_zone0/type", "cpu-thermal");
        Write("sys/class/thermal/thermal_zone0/temp", "48500");
        Write("sys/class/hwmon/hwmon0/name", "k10temp");
        Write("sys/class/hwmon/hwmon0/temp1_input", "61250");
        Write("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "2400000");
        Write("sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", "1800000");
        Write("sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq", "999"); // Not a CPU directory: ignored.

        var sources = TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false).ToDictionary(s => s.Name);
        Assert.Equal(48.5, sources["thermal.cpu-thermal"].Read(0)!.Value, 9);
        Assert.Equal(61.25, sources["hwmon.k10temp.temp1"].Read(0)!.Value, 9);
        Assert.Equal(2100, sources["cpufreq.mean"].Read(0)!.Value, 9);
        Assert.Equal(TelemetryQuantity.ClockFrequency, sources["cpufreq.mean"].Quantity);
    }

    [Fact]
    public void A_sampler_records_every_sensor_over_time_and_turns_power_into_energy_per_sample()
    {
        Write("sys/class/hwmon/hwmon0/name", "board");
        Write("sys/class/hwmon/hwmon0/power1_input", "7500000");
        Write("sys/class/thermal/thermal_zone0/type", "soc");
        Write("sys/class/thermal/thermal_zone0/temp", "50000");
        var sources = TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false);

        using var sampler = new TelemetrySampler(sources, TimeSpan.FromMilliseconds(5));
        Thread.Sleep(60);
        var capture = sampler.Stop();

        Assert.Equal(7.5, capture.MeanTotalPower!.Value.Value, 9);
        Assert.Equal(0.75, capture.EnergyPerSample(new Core.Units.Seconds(2), 20)!.Value.Value, 9); // 7.5 W × 2 s ÷ 20.
        Assert.Equal(50, capture.Max(TelemetryQuantity.Temperature));
        var power = capture.ToSampleSeries().Single(s => s.Name == "telemetry.hwmon.board.power1");
        Assert.True(power.Values.Count >= 2);
        Assert.Equal("W", power.Unit);
        Assert.Equal(power.Values.Count, power.SecondsFromStart!.Count);
    }

    [Fact]
    public void A_sensor_that_disappears_mid_run_just_stops_reporting()
    {
        Write("sys/class/thermal/thermal_zone0/type", "soc");
        Write("sys/class/thermal/thermal_zone0/temp", "50000");
        var source = TelemetryDiscovery.Discover(_root, includeNvidiaSmi: false).Single();
        File.Delete(Path.Combine(_root, "sys/class/thermal/thermal_zone0/temp"));
        Assert.Null(source.Read(1));
    }
}
