namespace WorkingPoint.Results;

/// <summary>
/// What a result is about, as typed fields a store filters and a lab's matrix groups on: the device that measured, the catalog
/// platform it is an instance of (when known), the model, its weight format, the runtime and the compute unit it ran on.
/// </summary>
/// <param name="Device">The machine: a lab device id, else the host name of the machine that measured.</param>
/// <param name="Platform">The catalog platform id this device is (e.g. "jetson-orin-nano-8gb"); null when not known.</param>
/// <param name="Model">The model's name (catalog id or file name); null for runs without one (roofline).</param>
/// <param name="Weights">The weight format (q4_0, fp32, …); null when the run does not say.</param>
/// <param name="Runtime">The runtime that ran it ("onnxruntime", "llama.cpp"); null when the run does not say.</param>
/// <param name="Unit">The compute unit or execution provider ("cpu", "cuda", …); null when the run does not say.</param>
public sealed record ResultSubject(string Device, string? Platform, string? Model, string? Weights, string? Runtime, string? Unit)
{
    /// <summary>The parameter a run of a catalog model (synthesized or exported with random weights) records its catalog id in: the subject's model, where the record's model name describes the file.</summary>
    public const string CatalogModelParameter = "catalog-model";

    /// <summary>The subject a record states by itself: its machine's host name, its model (the catalog id when the run names one) and what its parameters say about weights, runtime and unit.</summary>
    public static ResultSubject Of(MeasurementRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var parameters = record.Parameters;
        var runtime = record.Kind switch
        {
            MeasurementKind.Onnx => "onnxruntime",
            MeasurementKind.Llm => "llama.cpp",
            _ => null,
        };
        var unit = parameters.GetValueOrDefault("provider")
            ?? (parameters.TryGetValue("gpu-layers", out var layers) ? (layers == "0" ? "cpu" : "gpu") : null);
        return new ResultSubject(
            record.Platform.Hostname,
            parameters.GetValueOrDefault("platform"),
            parameters.GetValueOrDefault(CatalogModelParameter) ?? record.ModelName,
            parameters.GetValueOrDefault("weights") ?? parameters.GetValueOrDefault("llm-weights"),
            runtime,
            unit);
    }
}
