namespace WorkingPoint.Catalog;

/// <summary>Bounds on an LLM description, shared by the model YAML reader and the config.json import so that what one writes the other reads.</summary>
public static class ModelLimits
{
    /// <summary>The largest attention head (elements).</summary>
    public const int MaxHeadDim = 65_536;

    /// <summary>The longest context or sliding window (tokens).</summary>
    public const int MaxContextTokens = 1 << 24;

    /// <summary>The most parameters a description may have (published or counted).</summary>
    public const double MaxParameters = 1e14;

    /// <summary>The most transformer blocks a config.json may describe; the deepest published LLMs have about 130.</summary>
    public const int MaxLayers = 4096;
}
