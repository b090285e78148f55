using System.Globalization;
using WorkingPoint.Core.Units;

namespace WorkingPoint.Measurement.Roofline;

/// <summary>One data cache level as Linux describes it: size of one instance, and how many logical CPUs share an instance.</summary>
public sealed record CacheLevel(int Level, string Type, Bytes Size, int SharedByCpus)
{
    public string Name => $"L{Level}";

    /// <summary>All instances together on a machine of <paramref name="logicalCpus"/>: what a sweep using every core can keep at this level.</summary>
    public Bytes TotalSize(int logicalCpus) => Size * Math.Max(1, logicalCpus / Math.Max(1, SharedByCpus));
}

/// <summary>The data caches of this machine, from <c>/sys/devices/system/cpu/cpu0/cache</c>, with a stated guess when Linux does not say.</summary>
public sealed record CacheTopology(IReadOnlyList<CacheLevel> Levels, bool Guessed)
{
    public const string SysfsPath = "/sys/devices/system/cpu/cpu0/cache";

    /// <summary>A common shape (32 KiB L1, 1 MiB L2 per core, 8 MiB shared L3), used only when the OS reports nothing.</summary>
    public static CacheTopology Fallback(int logicalCpus) => new(
        [new CacheLevel(1, "Data", Bytes.FromKiB(32), 1), new CacheLevel(2, "Unified", Bytes.FromMiB(1), 1), new CacheLevel(3, "Unified", Bytes.FromMiB(8), logicalCpus)],
        Guessed: true);

    public CacheLevel LastLevel => Levels[^1];

    public static CacheTopology Read(string directory = SysfsPath, int? logicalCpus = null)
    {
        var cpus = logicalCpus ?? Environment.ProcessorCount;
        if (!Directory.Exists(directory))
        {
            return Fallback(cpus);
        }

        var levels = new List<CacheLevel>();
        foreach (var index in Directory.EnumerateDirectories(directory, "index*").Order(StringComparer.Ordinal))
        {
            var type = Text(index, "type");
            if (type is null || type == "Instruction" || !int.TryParse(Text(index, "level"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var level) || ParseSize(Text(index, "size")) is not { } size)
            {
                continue;
            }

            levels.Add(new CacheLevel(level, type, size, CountCpus(Text(index, "shared_cpu_list") ?? "0")));
        }

        return levels.Count == 0 ? Fallback(cpus) : new CacheTopology(levels.OrderBy(l => l.Level).ToArray(), Guessed: false);
    }

    /// <summary>Sizes as sysfs writes them: "32K", "1024K", "16M", or plain bytes.</summary>
    public static Bytes? ParseSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = text.Trim().ToUpperInvariant();
        var multiplier = t[^1] switch { 'K' => 1024.0, 'M' => 1024.0 * 1024, 'G' => 1024.0 * 1024 * 1024, _ => 1.0 };
        var digits = multiplier == 1.0 ? t : t[..^1];
        return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 ? new Bytes(value * multiplier) : null;
    }

    /// <summary>Counts CPUs in a list like "0-3,8,10-11".</summary>
    public static int CountCpus(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Sum(part =>
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            return dash < 0 ? 1 : int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture) - int.Parse(part[..dash], CultureInfo.InvariantCulture) + 1;
        });

    private static string? Text(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }
}
