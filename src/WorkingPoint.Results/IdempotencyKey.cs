using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WorkingPoint.Results;

/// <summary>Content-derived record identity: the same run saved twice, or uploaded again after a lost reply, has the same key.</summary>
public static class IdempotencyKey
{
    /// <summary>
    /// SHA-256 (hex) over what makes a run that run and no other: kind, start time to the tick, the machine, model hash, parameters and
    /// summary figures, in a fixed order with invariant formatting. Status, verdict and manifest are left out: a run's status changes
    /// after it is saved (incomplete → complete), and it is still the same run.
    /// </summary>
    public static string Of(MeasurementRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var text = new StringBuilder();
        void Field(string name, string? value) => text.Append(name).Append('=').Append(value?.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
        Field("kind", record.Kind.ToString());
        Field("started", record.StartedAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
        Field("duration", record.Duration.Ticks.ToString(CultureInfo.InvariantCulture));
        Field("host", record.Platform.Hostname);
        Field("cpu", record.Platform.CpuModel);
        Field("model", record.ModelName);
        Field("sha", record.ModelSha256);
        Field("group", record.RunGroup);
        foreach (var (key, value) in record.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Field("p." + key, value);
        }

        foreach (var metric in record.Metrics)
        {
            Field("m." + metric.Name, metric.Value.ToString("R", CultureInfo.InvariantCulture) + " " + metric.Unit);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
