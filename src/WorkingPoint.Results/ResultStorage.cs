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

    /// <summary>Refuses a batch before any of it is written: the first record that cannot be stored, as <see cref="ProblemOf"/> words it.</summary>
    public static void ThrowIfAnyCannotBeStored(IReadOnlyList<MeasurementRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            if (ProblemOf(record) is { } problem)
            {
                throw new ResultStoreException(problem);
            }
        }
    }

    /// <summary>
    /// A batch's records with one entry per idempotency key, in first-seen order, and for each record of the batch the index of its
    /// key's entry: a key given twice in one batch is stored once and both get its outcome.
    /// </summary>
    public static (IReadOnlyList<MeasurementRecord> Distinct, int[] EntryOf) DistinctByKey(IReadOnlyList<MeasurementRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var distinct = new List<MeasurementRecord>(records.Count);
        var entries = new Dictionary<string, int>(records.Count, StringComparer.Ordinal);
        var entryOf = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var key = records[i].IdempotencyKey;
            if (!entries.TryGetValue(key, out var entry))
            {
                entry = distinct.Count;
                entries[key] = entry;
                distinct.Add(records[i]);
            }

            entryOf[i] = entry;
        }

        return (distinct, entryOf);
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
