using System.Globalization;

namespace WorkingPoint.Measurement.Telemetry;

/// <summary>What a sensor measures; each has one unit.</summary>
public enum TelemetryQuantity
{
    /// <summary>Watts.</summary>
    Power,

    /// <summary>Degrees Celsius.</summary>
    Temperature,

    /// <summary>Megahertz.</summary>
    ClockFrequency,
}

public static class TelemetryQuantityExtensions
{
    public static string Unit(this TelemetryQuantity quantity) => quantity switch
    {
        TelemetryQuantity.Power => "W",
        TelemetryQuantity.Temperature => "°C",
        TelemetryQuantity.ClockFrequency => "MHz",
        _ => throw new ArgumentOutOfRangeException(nameof(quantity)),
    };
}

/// <summary>One sensor the machine exposes. <see cref="Read"/> returns null when a reading is not available right now (e.g. the first read of an energy counter).</summary>
/// <remarks>Sources are polled from one sampling thread; they need not be thread-safe.</remarks>
public abstract class TelemetrySource
{
    protected TelemetrySource(string name, TelemetryQuantity quantity, bool countsTowardsTotalPower = false)
    {
        Name = name;
        Quantity = quantity;
        CountsTowardsTotalPower = countsTowardsTotalPower;
    }

    /// <summary>A stable name such as "rapl.package-0" or "thermal.x86_pkg_temp".</summary>
    public string Name { get; }

    public TelemetryQuantity Quantity { get; }

    /// <summary>Whether this power reading is part of the figure used for energy per inference (see <see cref="TelemetryDiscovery"/>).</summary>
    public bool CountsTowardsTotalPower { get; }

    /// <param name="secondsFromStart">The sampler's clock, so energy counters can be turned into power.</param>
    public abstract double? Read(double secondsFromStart);

    /// <summary>Reads a sysfs file holding one integer; null when it is missing or unreadable (sensors come and go, e.g. permissions on RAPL).</summary>
    protected static long? ReadInteger(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>A sysfs file with an instantaneous reading, scaled to the quantity's unit (µW → W, m°C → °C, kHz → MHz …).</summary>
public sealed class ScaledFileSource : TelemetrySource
{
    private readonly string _path;
    private readonly double _scale;

    public ScaledFileSource(string name, TelemetryQuantity quantity, string path, double scale, bool countsTowardsTotalPower = false)
        : base(name, quantity, countsTowardsTotalPower)
    {
        _path = path;
        _scale = scale;
    }

    public override double? Read(double secondsFromStart) => ReadInteger(_path) is { } raw ? raw * _scale : null;
}

/// <summary>Power as the product of a voltage and a current file (INA3221 rails on Jetson boards expose mV and mA).</summary>
public sealed class VoltageCurrentSource : TelemetrySource
{
    private readonly string _millivoltsPath;
    private readonly string _milliampsPath;

    public VoltageCurrentSource(string name, string millivoltsPath, string milliampsPath, bool countsTowardsTotalPower)
        : base(name, TelemetryQuantity.Power, countsTowardsTotalPower)
    {
        _millivoltsPath = millivoltsPath;
        _milliampsPath = milliampsPath;
    }

    public override double? Read(double secondsFromStart) =>
        ReadInteger(_millivoltsPath) is { } mv && ReadInteger(_milliampsPath) is { } ma ? mv * ma / 1e6 : null;
}

/// <summary>
/// Average power from a cumulative energy counter in µJ (Linux powercap / RAPL): the difference between two reads over the time
/// between them, with the counter's wrap-around at <c>max_energy_range_uj</c> handled.
/// </summary>
public sealed class EnergyCounterSource : TelemetrySource
{
    private readonly string _energyPath;
    private readonly long _rangeMicrojoules;
    private (long Microjoules, double Seconds)? _last;

    public EnergyCounterSource(string name, string energyPath, long rangeMicrojoules, bool countsTowardsTotalPower)
        : base(name, TelemetryQuantity.Power, countsTowardsTotalPower)
    {
        _energyPath = energyPath;
        _rangeMicrojoules = rangeMicrojoules;
    }

    public override double? Read(double secondsFromStart)
    {
        if (ReadInteger(_energyPath) is not { } now)
        {
            return null;
        }

        var previous = _last;
        _last = (now, secondsFromStart);
        if (previous is not { } last || secondsFromStart <= last.Seconds)
        {
            return null;
        }

        var delta = now - last.Microjoules;
        if (delta < 0)
        {
            delta += _rangeMicrojoules;
        }

        return delta / 1e6 / (secondsFromStart - last.Seconds);
    }
}
