using System.Globalization;
using System.Text;
using System.Text.Json;
using WorkingPoint.Core.Workloads;

namespace WorkingPoint.Catalog;

/// <summary>
/// Writes an architecture as a model YAML file in the catalog's layout (docs/model-schema.md), which <see cref="LlmYaml"/> reads
/// back to the same architecture.
/// </summary>
public static class LlmYamlWriter
{
    public static string Write(LlmArchitecture a, string? comment = null)
    {
        var text = new StringBuilder();
        if (comment is not null)
        {
            foreach (var line in comment.ReplaceLineEndings("\n").Split('\n'))
            {
                text.Append("# ").Append(line).Append('\n');
            }
        }

        void Line(string key, string value) => text.Append(key).Append(": ").Append(value).Append('\n');
        Line("id", a.Id);
        Line("name", Quoted(a.Name));
        Line("family", FamilyName(a.Family));
        Line("hiddenSize", Number(a.HiddenSize));
        Line("layers", Number(a.Layers));
        Line("attentionHeads", Number(a.AttentionHeads));
        Line("kvHeads", Number(a.KvHeads));
        Line("headDim", Number(a.HeadDim));
        Line("ffnSize", Number(a.FfnSize));
        Line("vocabSize", Number(a.VocabSize));
        Line("tiedEmbeddings", Bool(a.TiedEmbeddings));
        Line("qkvBias", Bool(a.QkvBias));
        Line("gatedFfn", Bool(a.GatedFfn));
        Line("maxContext", Number(a.MaxContext));
        if (a.SlidingWindow is { } window)
        {
            Line("slidingWindow", Number(window));
        }

        if (a.SlidingWindowPattern is { } pattern)
        {
            Line("slidingWindowPattern", Number(pattern));
        }

        if (a.Experts is { } e)
        {
            text.Append("experts:\n");
            void Expert(string key, string value) => Line("  " + key, value);
            Expert("count", Number(e.ExpertCount));
            Expert("active", Number(e.ActiveExperts));
            Expert("ffnSize", Number(e.ExpertFfnSize));
            if (e.SharedExperts > 0)
            {
                Expert("shared", Number(e.SharedExperts));
                Expert("sharedFfnSize", Number(e.SharedExpertFfnSize));
                Expert("sharedGate", Bool(e.SharedExpertGate));
            }

            Expert("biases", Bool(e.Biases));
        }

        if (a.Vision is { } v)
        {
            text.Append("vision:\n");
            void Field(string key, string value) => Line("  " + key, value);
            Field("patchSize", Number(v.PatchSize));
            Field("temporalPatch", Number(v.TemporalPatch));
            Field("width", Number(v.Width));
            Field("depth", Number(v.Depth));
            Field("heads", Number(v.Heads));
            Field("mlpSize", Number(v.MlpSize));
            Field("gatedMlp", Bool(v.GatedMlp));
            Field("spatialMerge", Number(v.SpatialMerge));
            Field("outHidden", Number(v.OutHidden));
            if (v.WindowPatches is { } patches)
            {
                Field("windowPatches", Number(patches));
            }

            Field("fullAttentionLayers", "[" + string.Join(", ", v.FullAttentionLayers.Select(Number)) + "]");
            Field("imageWidth", Number(v.DefaultImageWidth));
            Field("imageHeight", Number(v.DefaultImageHeight));
        }

        if (a.Audio is { } audio)
        {
            text.Append("audio:\n");
            void Field(string key, string value) => Line("  " + key, value);
            Field("melBins", Number(audio.MelBins));
            Field("frames", Number(audio.Frames));
            Field("width", Number(audio.Width));
            Field("layers", Number(audio.Depth));
            Field("heads", Number(audio.Heads));
            Field("ffnSize", Number(audio.MlpSize));
        }

        if (a.PublishedParameters is { } published)
        {
            Line("publishedParameters", published.ToString(CultureInfo.InvariantCulture));
        }

        if (a.Source is not null)
        {
            Line("source", Quoted(a.Source));
        }

        return text.ToString();
    }

    /// <summary>The name a model file gives the family (gpt-oss with its dash, the others as the enum spells them).</summary>
    public static string FamilyName(LlmFamily family) =>
        LlmYaml.FamilyNames.First(n => n.Replace("-", string.Empty, StringComparison.Ordinal).Equals(family.ToString(), StringComparison.OrdinalIgnoreCase));

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";

    // A JSON string is a valid YAML double-quoted scalar: quotes, backslashes, control and non-ASCII characters come escaped.
    private static string Quoted(string value) => JsonSerializer.Serialize(value);
}
