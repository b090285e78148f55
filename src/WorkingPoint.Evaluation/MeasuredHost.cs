using WorkingPoint.Catalog;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Measurement.Roofline;

namespace WorkingPoint.Evaluation;

/// <summary>
/// The <c>host</c> platform of the commands that measure this machine and predict it (<c>--platform host|ID|FILE</c>): the measured
/// description in the data directory once <c>wpt measure roofline</c> has written it, measured first when a command needs it.
/// </summary>
public static class MeasuredHost
{
    /// <summary>This machine as measured; null until it has been (the catalog's placeholder has no figures to predict with).</summary>
    public static Platform? Measured(Catalog.Catalog catalog) =>
        File.Exists(HostPlatform.DefaultPath) ? catalog.ResolvePlatform(HostPlatform.Id) : null;

    /// <summary>
    /// Any id or file as given, and for <c>host</c> the measured host, running <paramref name="measure"/> and saving its figures as
    /// the host description first when this machine has never been measured.
    /// </summary>
    public static Platform Resolve(Catalog.Catalog catalog, string platform, Func<HostRoofline> measure)
    {
        if (platform != HostPlatform.Id)
        {
            return catalog.ResolvePlatform(platform);
        }

        var host = catalog.ResolvePlatform(HostPlatform.Id);
        if (host.Compute.HasAnyPeak)
        {
            return host;
        }

        HostPlatform.Write(HostPlatform.DefaultPath, FiguresOf(measure()));
        return catalog.ResolvePlatform(HostPlatform.Id);
    }

    /// <summary>The figures a platform description needs, from a measured roofline.</summary>
    public static HostFigures FiguresOf(HostRoofline roofline) => new(
        roofline.Machine.CpuModel,
        roofline.Machine.LogicalCores,
        roofline.Fp32.Peak!.Value.Tops,
        roofline.Fp32.Path,
        roofline.Int8.Peak!.Value.Tops,
        roofline.Int8.Path,
        roofline.LastLevelCache.Capacity.MiB,
        roofline.LastLevelCache.Triad.GBps,
        roofline.Dram.Triad.GBps,
        roofline.Machine.MemoryBytes > 0 ? roofline.Machine.MemoryBytes / (1024.0 * 1024 * 1024) : null,
        roofline.StartedAt);
}
