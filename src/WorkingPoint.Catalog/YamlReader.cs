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
    /// <summary>The largest YAML file read (1 MiB): the largest catalog file is a few kB.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>How deep mappings and lists may nest; the schemas need five levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>The most nodes (scalars, mappings, lists) in one file.</summary>
    public const int MaxNodes = 100_000;

    private readonly string _file;
    private readonly List<FigureSource> _figures = [];

    private YamlReader(string file, YamlMappingNode root)
    {
        _file = file;
        Root = root;
    }

    public YamlMappingNode Root { get; }

    public IReadOnlyList<FigureSource> Figures => _figures;

    /// <summary>Reads a YAML file after checking its size against <see cref="MaxFileBytes"/>, before reading it into memory.</summary>
    public static string ReadFile(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
        {
            throw new CatalogException($"{path}: the file is {length} bytes; YAML descriptions are limited to {MaxFileBytes} bytes (1 MiB). Check that it is the right file.");
        }

        return File.ReadAllText(path);
    }

    public static YamlReader Parse(string file, string text)
    {
        if (text.Length > MaxFileBytes)
        {
            throw new CatalogException($"{file}: the file is {text.Length} characters; YAML descriptions are limited to {MaxFileBytes} (1 MiB). Check that it is the right file.");
        }

        var stream = new YamlStream();
        try
        {
            Prescan(file, text);
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

        RejectComplexKeys(file, root);
        return new YamlReader(file, root);
    }

    /// <summary>Every mapping key must be a plain name: a list or mapping used as a key (valid YAML) is refused once, here.</summary>
    private static void RejectComplexKeys(string file, YamlNode root)
    {
        var pending = new Stack<YamlNode>([root]);
        while (pending.TryPop(out var node))
        {
            if (node is YamlMappingNode map)
            {
                foreach (var (key, value) in map.Children)
                {
                    if (key is not YamlScalarNode)
                    {
                        throw new CatalogException($"{file}:{key.Start.Line}: a {(key is YamlSequenceNode ? "list" : "mapping")} is used as a key; keys are plain field names. Fix the line.");
                    }

                    pending.Push(value);
                }
            }
            else if (node is YamlSequenceNode list)
            {
                foreach (var item in list.Children)
                {
                    pending.Push(item);
                }
            }
        }
    }

    /// <summary>
    /// Walks the file's events once, iteratively, before the tree is built (building recurses per level): nesting past
    /// <see cref="MaxDepth"/>, more than <see cref="MaxNodes"/> nodes, and anchors or aliases are refused. The schemas never need
    /// aliases, and an alias expanded as a mapping key costs time out of all proportion to the file.
    /// </summary>
    private static void Prescan(string file, string text)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        var depth = 0;
        var nodes = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            switch (current)
            {
                case YamlDotNet.Core.Events.AnchorAlias alias:
                    throw new CatalogException($"{file}:{alias.Start.Line}: the alias *{alias.Value} is not allowed; WorkingPoint's YAML files use no anchors or aliases. Write the value out in full.");
                case YamlDotNet.Core.Events.NodeEvent { Anchor.IsEmpty: false } anchored:
                    throw new CatalogException($"{file}:{anchored.Start.Line}: the anchor &{anchored.Anchor} is not allowed; WorkingPoint's YAML files use no anchors or aliases. Remove it.");
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxDepth)
                    {
                        throw new CatalogException($"{file}:{current.Start.Line}: mappings and lists nest more than {MaxDepth} deep (the limit; the schemas need five). Check the indentation and brackets.");
                    }

                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }

            if (current is YamlDotNet.Core.Events.NodeEvent && ++nodes > MaxNodes)
            {
                throw new CatalogException($"{file}:{current.Start.Line}: more than {MaxNodes} values in one file (the limit). Split it, or check that it is the right file.");
            }
        }
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

        throw Error(node, $"'{Join(path, key)}' must be a finite number, got '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}'.");
    }

    /// <summary>A number that must lie in [<paramref name="min"/>, <paramref name="max"/>]; the message states the range and the unit.</summary>
    public double? Bounded(YamlMappingNode map, string key, string path, double min, double max, string unit, bool integral = false)
    {
        var value = Number(map, key, path);
        return value is null ? null : CheckRange(Get(map, key), Join(path, key), value.Value, min, max, unit, integral);
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int? Integer(YamlMappingNode map, string key, string path, int min, int max, string unit) =>
        Bounded(map, key, path, min, max, unit, integral: true) is { } value ? (int)value : null;

    public double CheckRange(YamlNode? node, string field, double value, double min, double max, string unit, bool integral = false)
    {
        if (integral && value != Math.Floor(value))
        {
            throw Error(node, $"'{field}' must be a whole number of {unit}, got {Format(value)}. Write an integer from {Format(min)} to {Format(max)}.");
        }

        if (value < min || value > max)
        {
            throw Error(node, $"'{field}' is {Format(value)} {unit}, outside the accepted range {Format(min)} to {Format(max)} {unit}. Check the figure and its unit.");
        }

        return value;
    }

    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

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

        RejectUnknownKeys(figure, field, "value", "source", "note", "assumed", "sparsity", "fit", "prior");
        var value = Number(figure, "value", field);
        var assumed = Number(figure, "assumed", field);

        // A fitted figure's provenance is the fit that produced it (rows used, residuals), written by wpt calibrate.
        var fit = String(figure, "fit", field);
        if (fit is null && Get(figure, "prior") is { } prior)
        {
            throw Error(prior, $"'{field}' has a prior but no fit; prior: is the value a fit started from, so it belongs beside fit:.");
        }

        var source = String(figure, "source", field) ?? (fit is null ? null : $"fit: {fit}");
        var note = String(figure, "note", field);
        if (fit is null && source is not null && !references.ContainsKey(source) && !source.Contains("://", StringComparison.Ordinal) && !source.Contains('/', StringComparison.Ordinal))
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

    /// <summary>
    /// The value a fitted figure's fit started from (<c>prior:</c> beside <c>fit:</c>), so that a calibration run again starts,
    /// and cross-validates, from the prior and not from its own earlier fit; null when the figure has none.
    /// </summary>
    public double? FigurePrior(YamlMappingNode map, string key, string path) =>
        Get(map, key) is YamlMappingNode figure ? Number(figure, "prior", Join(path, key)) : null;

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Value: null or "null" or "~" or "" } s && s.Style == YamlDotNet.Core.ScalarStyle.Plain;

    private static string FirstLine(string text) => text.Split('\n')[0].Trim().TrimEnd('.');
}
