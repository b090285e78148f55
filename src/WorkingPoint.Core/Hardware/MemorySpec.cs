using WorkingPoint.Core.Units;

namespace WorkingPoint.Core.Hardware;

/// <summary>On-chip memory (SRAM, or the last-level cache of a CPU/GPU) that can hold weights and activations.</summary>
/// <param name="Capacity">Usable capacity; null when no figure is known.</param>
/// <param name="Bandwidth">Peak bandwidth; null when unknown, in which case it is not treated as a ceiling.</param>
public sealed record OnChipMemory(Bytes? Capacity, BytesPerSecond? Bandwidth)
{
    public static readonly OnChipMemory Unknown = new(null, null);
}

/// <summary>The DRAM standards the catalog uses.</summary>
public enum DramKind
{
    Lpddr4,
    Lpddr4x,
    Lpddr5,
    Lpddr5x,
    Ddr4,
    Ddr5,
    Gddr6,
    Hbm2e,
    Hbm3,
    Unknown,
}

/// <summary>
/// Off-chip DRAM. Peak bandwidth is computed from the interface, never typed in — except on a machine WorkingPoint has measured
/// itself, where <see cref="MeasuredBandwidth"/> (STREAM triad, all cores) takes its place.
/// </summary>
/// <param name="DataRateMegaTransfersPerSecond">Per-pin data rate in MT/s.</param>
/// <param name="BusWidthBits">Total interface width in bits; null when unknown.</param>
public sealed record DramSpec(DramKind Kind, double? DataRateMegaTransfersPerSecond, int? BusWidthBits, Bytes? Capacity)
{
    /// <summary>Bandwidth measured on the machine itself (<c>wpt measure roofline</c>); null for catalog parts.</summary>
    public BytesPerSecond? MeasuredBandwidth { get; init; }

    /// <summary>The measured bandwidth where there is one, else MT/s × bus width / 8, or null when either is unknown.</summary>
    public BytesPerSecond? PeakBandwidth =>
        MeasuredBandwidth ?? (DataRateMegaTransfersPerSecond is { } rate && BusWidthBits is { } width
            ? new BytesPerSecond(rate * 1e6 * width / 8.0)
            : null);
}

/// <summary>Physical links an add-in accelerator sits behind.</summary>
public enum HostLinkKind
{
    PcieGen1,
    PcieGen2,
    PcieGen3,
    PcieGen4,
    PcieGen5,
    Usb2,
    Usb3Gen1,
    Usb3Gen2,
}

/// <summary>The link between host and accelerator: inputs, outputs and any spilled data cross it.</summary>
public sealed record HostLink(HostLinkKind Kind, int Lanes)
{
    /// <summary>Peak payload bandwidth per direction after line coding (8b/10b for PCIe 1–2 and USB 3 Gen 1, 128b/130b for PCIe 3+, 128b/132b for USB 3 Gen 2).</summary>
    public BytesPerSecond PeakBandwidth => new(Kind switch
    {
        HostLinkKind.PcieGen1 => 2.5e9 * 8 / 10 / 8 * Lanes,
        HostLinkKind.PcieGen2 => 5e9 * 8 / 10 / 8 * Lanes,
        HostLinkKind.PcieGen3 => 8e9 * 128 / 130 / 8 * Lanes,
        HostLinkKind.PcieGen4 => 16e9 * 128 / 130 / 8 * Lanes,
        HostLinkKind.PcieGen5 => 32e9 * 128 / 130 / 8 * Lanes,
        HostLinkKind.Usb2 => 480e6 / 8,
        HostLinkKind.Usb3Gen1 => 5e9 * 8 / 10 / 8,
        HostLinkKind.Usb3Gen2 => 10e9 * 128 / 132 / 8,
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    });

    public override string ToString() => Kind switch
    {
        HostLinkKind.Usb2 => "USB 2.0",
        HostLinkKind.Usb3Gen1 => "USB 3.2 Gen 1",
        HostLinkKind.Usb3Gen2 => "USB 3.2 Gen 2",
        _ => $"PCIe Gen{(int)Kind + 1} x{Lanes}",
    };
}
