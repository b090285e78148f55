using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Core.Workloads;

/// <summary>What a workload is for; the composite score weights categories.</summary>
public enum WorkloadCategory
{
    Perception,
    Enhancement,
    Generative,
    VisionEncoder,
    Speech,
}

/// <summary>A figure published for a model, to check the architecture definition against (never used by the model itself).</summary>
/// <param name="Ops">Operations at the reference input (a MAC counts two; torchvision's GMAC figures are doubled here).</param>
/// <param name="ParameterStep">The step of the last digit the parameter count was published with (0.02 M → 10,000).</param>
/// <param name="OpsStep">Likewise for the operation count.</param>
public sealed record PublishedFigures(long Parameters, double Ops, int Height, int Width, string Source, long ParameterStep = 1, double OpsStep = 1);

/// <summary>
/// A network defined by code from its published architecture, buildable at any input size.
/// Inputs are padded up to <see cref="Alignment"/> (the network's total stride), as the reference pre-processing letterboxes them.
/// </summary>
public sealed record GraphModel(
    string Id,
    string Name,
    WorkloadCategory Category,
    int Channels,
    int DefaultWidth,
    int DefaultHeight,
    int Alignment,
    Func<GraphBuilder, Tensor> Define,
    PublishedFigures? Published,
    string Source)
{
    public Graph Build() => Build(DefaultWidth, DefaultHeight);

    /// <summary>For a network read from a file (ONNX) rather than defined in code: builds its graph at an input size.</summary>
    public Func<int, int, Graph>? FromFile { get; init; }

    public Graph Build(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new InvalidInputException($"Input size must be positive, got {width}x{height}.");
        }

        var (w, h) = AlignedSize(width, height);
        if (FromFile is { } import)
        {
            return import(w, h);
        }

        var builder = new GraphBuilder(Id, Channels, h, w);
        Define(builder);
        return builder.Build();
    }

    /// <summary>The size the network really runs at for a requested input (padded to the alignment).</summary>
    public (int Width, int Height) AlignedSize(int width, int height) =>
        (RoundUp(width, Alignment), RoundUp(height, Alignment));

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    public override string ToString() => Id;
}
