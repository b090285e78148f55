using System.Diagnostics;
using WorkingPoint.Core.Units;
using WorkingPoint.Results;

namespace WorkingPoint.Measurement.Telemetry;

/// <summary>What the sensors said during a run: one series per sensor, on the sampler's clock.</summary>
public sealed record TelemetryCapture(IReadOnlyList<TelemetrySeries> Series)
{
    public const string NotMeasurable = "not measurable on this machine";

    public bool Has(TelemetryQuantity quantity) => Series.Any(s => s.Quantity == quantity && s.Values.Count > 0);

    /// <summary>Mean total power over the run (the sum of the sources chosen for it; see <see cref="TelemetryDiscovery"/>), or null when no power sensor gave a reading.</summary>
    public Watts? MeanTotalPower
    {
        get
        {
            var counted = Series.Where(s => s.CountsTowardsTotalPower && s.Values.Count > 0).ToArray();
            return counted.Length == 0 ? null : new Watts(counted.Sum(s => s.Values.Average()));
        }
    }

    /// <summary>Energy per sample: mean total power × run time ÷ samples; null when power is not measurable.</summary>
    public Joules? EnergyPerSample(Seconds duration, long samples) =>
        MeanTotalPower is { } power && samples > 0 ? power * duration * (1.0 / samples) : null;

    /// <summary>Highest reading of a quantity over every sensor, or null.</summary>
    public double? Max(TelemetryQuantity quantity) =>
        Has(quantity) ? Series.Where(s => s.Quantity == quantity && s.Values.Count > 0).Max(s => s.Values.Max()) : null;

    public IEnumerable<SampleSeries> ToSampleSeries() =>
        Series.Where(s => s.Values.Count > 0).Select(s => new SampleSeries($"telemetry.{s.Name}", s.Quantity.Unit(), s.Values, s.SecondsFromStart));
}

public sealed record TelemetrySeries(string Name, TelemetryQuantity Quantity, bool CountsTowardsTotalPower, IReadOnlyList<double> Values, IReadOnlyList<double> SecondsFromStart);

/// <summary>
/// Polls every sensor on a background thread at a fixed interval while a run goes on. The clock starts at construction, so sample
/// times line up with a run timed from the same moment.
/// </summary>
public sealed class TelemetrySampler : IDisposable
{
    private readonly IReadOnlyList<TelemetrySource> _sources;
    private readonly TimeSpan _interval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<double>[] _values;
    private readonly List<double>[] _times;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private TelemetryCapture? _capture;

    public TelemetrySampler(IReadOnlyList<TelemetrySource> sources, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "The telemetry interval must be positive.");
        }

        _sources = sources;
        _interval = interval;
        _values = sources.Select(_ => new List<double>()).ToArray();
        _times = sources.Select(_ => new List<double>()).ToArray();
        _thread = new Thread(Loop) { IsBackground = true, Name = "wpt-telemetry", Priority = ThreadPriority.AboveNormal };

        // The first reading is taken here, so every capture has one at the start even if the sampling thread is slow to run.
        SampleAll();
        if (sources.Count > 0)
        {
            _thread.Start();
        }
    }

    /// <summary>Stops sampling (taking one last reading, so there are always at least two) and returns everything read.</summary>
    public TelemetryCapture Stop()
    {
        if (_capture is not null)
        {
            return _capture;
        }

        _stop.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        SampleAll();
        _capture = new TelemetryCapture(_sources.Select((s, i) => new TelemetrySeries(s.Name, s.Quantity, s.CountsTowardsTotalPower, _values[i].ToArray(), _times[i].ToArray())).ToArray());
        return _capture;
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private void Loop()
    {
        while (!_stop.Token.WaitHandle.WaitOne(_interval))
        {
            SampleAll();
        }
    }

    private void SampleAll()
    {
        var now = _clock.Elapsed.TotalSeconds;
        for (var i = 0; i < _sources.Count; i++)
        {
            if (_sources[i].Read(now) is { } value && double.IsFinite(value))
            {
                _values[i].Add(value);
                _times[i].Add(now);
            }
        }
    }
}
