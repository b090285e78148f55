using WorkingPoint.Core;
using System.Globalization;
using WorkingPoint.Core.Hardware;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Catalog;

/// <summary>A catalog or user file that is not valid; the message names the file, the line, the field and the fix.</summary>
public sealed class CatalogException(string message) : WorkingPointException(message);

/// <summary>
/// Reads YAML with positions, so that every error points at a line. Figures are written as
/// <c>{ value: 64, source: S6 }</c>, <c>{ value: null, note: "unsourced" }</c> or <c>{ value: null, assumed: 64, note: "why" }</c>;
/// each one read is recorded with its source for the provenance of the description.
/// </summary>
internal sealed class YamlReader
{
    private readonly string _file;
    private readonly List<FigureSource> _figures = [];

    private YamlReader(string file, YamlMappingNode root)
    {
        _file = file;
        Root = root;
    }

    public YamlMappingNode Root { get; }

    public IReadOnlyList<FigureSource> Figures => _figures;

    public static YamlReader Parse(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new CatalogException($"{file}:{ex.Start.Line}: malformed YAML: {FirstLine(ex.InnerException?.Message ?? ex.Message)}. Fix the syntax at that line.");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet reports some unterminated flow collections ({ … or [ …) this way, without a position.
            throw new CatalogException($"{file}: malformed YAML: {FirstLine(ex.Message)}. Look for an unclosed '{{' or '['.");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new CatalogException($"{file}: expected a YAML mapping (key: value lines) at the top level; the file is empty or is a list.");
        }

        return new YamlReader(file, root);
    }

    public CatalogException Error(YamlNode? node, string message) =>
        new($"{_file}{(node is null ? string.Empty : $":{node.Start.Line}")}: {message}");

    public YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) && !IsNull(value) ? value : null;

    public void RejectUnknownKeys(YamlMappingNode map, string path, params string[] allowed)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = ((YamlScalarNode)key).Value ?? string.Empty;
            if (!allowed.Contains(name))
            {
                throw Error(key, $"unknown field '{Join(path, name)}'. Allowed here: {string.Join(", ", allowed)}.");
            }
        }
    }

    public YamlMappingNode? Mapping(YamlMappingNode map, string key, string path)
    {
        var node = Get(map, key);
        return node switch
        {
            null => null,
            YamlMappingNode m => m,
            _ => throw Error(node, $"'{Join(path, key)}' must be a mapping of fields."),
        };
    }

    public string RequireString(YamlMappingNode map, string key, string path) =>
        String(map, key, path) ?? throw Error(map, $"missing required field '{Join(path, key)}'.");

    public string? String(YamlMappingNode map, string key, string path)
    {
        var node = Get(map, key);
        return node switch
        {
            null => null,
            YamlScalarNode s => s.Value,
            _ => throw Error(node, $"'{Join(path, key)}' must be a single value."),
        };
    }

    public double? Number(YamlMappingNode map, string key, string path)
    {
        var node = Get(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        throw Error(node, $"'{Join(path, key)}' must be a number, got '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}'.");
    }

    public double RequireNumber(YamlMappingNode map, string key, string path) =>
        Number(map, key, path) ?? throw Error(map, $"missing required number '{Join(path, key)}'.");

    public bool? Bool(YamlMappingNode map, string key, string path)
    {
        var text = String(map, key, path);
        return text switch
        {
            null => null,
            "true" or "yes" => true,
            "false" or "no" => false,
            _ => throw Error(Get(map, key), $"'{Join(path, key)}' must be true or false, got '{text}'."),
        };
    }

    /// <summary>
    /// A sourced figure. Returns the published value, or the stated assumption when the value is null, or null when neither exists.
    /// A value without a source (and not marked as an assumption) is an error: every figure in the catalog names where it comes from.
    /// </summary>
    public double? Figure(YamlMappingNode map, string key, string path, IReadOnlyDictionary<string, string> references, bool requireSource = true)
    {
        var node = Get(map, key);
        var field = Join(path, key);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlMappingNode figure)
        {
            throw Error(node, $"'{field}' must be written as {{ value: N, source: KEY }} (or {{ value: null, note: \"why unknown\" }}), got a bare value.");
        }

        RejectUnknownKeys(figure, field, "value", "source", "note", "assumed", "sparsity");
        var value = Number(figure, "value", field);
        var assumed = Number(figure, "assumed", field);
        var source = String(figure, "source", field);
        var note = String(figure, "note", field);
        if (source is not null && !references.ContainsKey(source) && !source.Contains("://", StringComparison.Ordinal) && !source.Contains('/', StringComparison.Ordinal))
        {
            throw Error(figure, $"'{field}' cites source '{source}', which is not listed under sources:. Add it there or cite a URL.");
        }

        if (value is not null && source is null && requireSource)
        {
            throw Error(figure, $"'{field}' has a value but no source. Add source: KEY (listed under sources:), or make it an assumption: {{ value: null, assumed: {value.Value.ToString(CultureInfo.InvariantCulture)}, note: \"why\" }}.");
        }

        if (assumed is not null && note is null)
        {
            throw Error(figure, $"'{field}' is assumed without a note; say why the assumption is reasonable in note:.");
        }

        if (value is null && assumed is null && note is null)
        {
            throw Error(figure, $"'{field}' is null without a note; say why it is unknown in note:.");
        }

        _figures.Add(new FigureSource(field, source is not null && references.TryGetValue(source, out var url) ? $"{source}: {url}" : source, note, value is null && assumed is not null));
        return value ?? assumed;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Value: null or "null" or "~" or "" } s && s.Style == YamlDotNet.Core.ScalarStyle.Plain;

    private static string FirstLine(string text) => text.Split('\n')[0].Trim().TrimEnd('.');
}
