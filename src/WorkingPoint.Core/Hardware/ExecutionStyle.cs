namespace WorkingPoint.Core.Hardware;

/// <summary>How a processor schedules a network, which decides where intermediate activations live.</summary>
public enum ExecutionStyle
{
    /// <summary>Layers are pipelined across the chip; activations stay on chip while the live set fits.</summary>
    Dataflow,

    /// <summary>One layer at a time; each layer's output is written to DRAM and read back by its consumers (CPUs, GPUs, most NPUs).</summary>
    LayerByLayer,
}
