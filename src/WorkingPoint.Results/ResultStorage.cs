namespace WorkingPoint.Results;

/// <summary>What every results store shares: which records it refuses, and the byte form of raw samples.</summary>
public static class ResultStorage
{
    /// <summary>Why a record cannot be stored as given (a NaN metric, sample times that do not match their values), naming the figure; null when it can.</summary>
    public static string? ProblemOf(MeasurementRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var metric in record.Metrics)
        {
            if (double.IsNaN(metric.Value))
            {
                // A NaN would read back as NULL (SQLite) or compare unequal to itself: the stored record would not be the one given.
                return $"Metric '{metric.Name}' is NaN; leave out a figure that could not be measured. Nothing was saved.";
            }
        }

        foreach (var series in record.Samples)
        {
            if (series.SecondsFromStart is { } times && times.Count != series.Values.Count)
            {
                return $"Sample series '{series.Name}' has {series.Values.Count} values but {times.Count} times. Nothing was saved.";
            }
        }

        return null;
    }

    /// <summary>Samples as little-endian IEEE doubles: compact, exact, and readable on any machine.</summary>
    public static byte[] Pack(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var bytes = new byte[values.Count * sizeof(double)];
        for (var i = 0; i < values.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), values[i]);
        }

        return bytes;
    }

    public static double[] Unpack(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var values = new double[bytes.Length / sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)));
        }

        return values;
    }
}
