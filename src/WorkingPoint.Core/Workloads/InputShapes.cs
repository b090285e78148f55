using System.Globalization;

namespace WorkingPoint.Core.Workloads;

/// <summary>
/// Input shapes the user gives for dynamic dimensions: <c>name=1x3x960x960</c> for a named input (dimensions in the model's
/// order), or a bare image size <c>1280x720</c> — width × height, as everywhere else in wpt — that fills the height and width
/// (the last two dimensions) of a model's single input. A bare shape of three or more dimensions fills the trailing dimensions in
/// the model's order.
/// </summary>
public sealed record InputShapes(IReadOnlyDictionary<string, long[]> Named, long[]? Unnamed)
{
    public static readonly InputShapes None = new(new Dictionary<string, long[]>(), null);

    /// <summary>The largest image side a WIDTHxHEIGHT size may give.</summary>
    public const int MaxImageSide = 16384;

    /// <summary>An image size written WIDTHxHEIGHT (e.g. 1280x720), each side a whole number from 1 to <see cref="MaxImageSide"/>.</summary>
    public static bool TryParseSize(string text, out int width, out int height)
    {
        var parts = text.ToLowerInvariant().Split('x');
        width = height = 0;
        return parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out width)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out height)
            && width is > 0 and <= MaxImageSide && height is > 0 and <= MaxImageSide;
    }

    public static InputShapes Parse(IEnumerable<string> specs)
    {
        var named = new Dictionary<string, long[]>(StringComparer.Ordinal);
        long[]? unnamed = null;
        foreach (var spec in specs.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var equals = spec.LastIndexOf('=');
            var dims = ParseDims(equals < 0 ? spec : spec[(equals + 1)..], spec);
            if (equals < 0)
            {
                if (unnamed is not null)
                {
                    throw new InvalidInputException($"--input '{spec}': only one unnamed shape is allowed; name the inputs, e.g. --input images=1x3x640x640.");
                }

                // WIDTHxHEIGHT as people write image sizes; tensors hold height before width.
                unnamed = dims.Length == 2 ? [dims[1], dims[0]] : dims;
            }
            else
            {
                named[spec[..equals]] = dims;
            }
        }

        return new InputShapes(named, unnamed);
    }

    /// <summary>
    /// The concrete shape of one model input: the user's named shape, else the declared shape with its unknown dimensions (≤ 0)
    /// filled from the unnamed shape's trailing dimensions and batch 1. Fixed dimensions must match what the user gave.
    /// </summary>
    /// <param name="declared">The model's dimensions, ≤ 0 where dynamic.</param>
    /// <param name="symbolic">Names of the dynamic dimensions where the model has them, for messages.</param>
    /// <param name="isOnlyInput">Whether an unnamed shape may apply to this input.</param>
    public long[] Resolve(string input, IReadOnlyList<long> declared, IReadOnlyList<string?> symbolic, bool isOnlyInput)
    {
        var declaredText = Describe(declared, symbolic);
        if (Named.TryGetValue(input, out var given))
        {
            if (given.Length != declared.Count)
            {
                throw new InvalidInputException($"--input {input}={string.Join('x', given)} has {given.Length} dimensions but the model declares {input} as [{declaredText}]; give {declared.Count}, e.g. --input {input}={Example(declared)}.");
            }

            for (var i = 0; i < given.Length; i++)
            {
                if (declared[i] > 0 && declared[i] != given[i])
                {
                    throw new InvalidInputException($"--input {input}={string.Join('x', given)}: dimension {i} must be {declared[i]} (the model declares [{declaredText}]), e.g. --input {input}={Example(declared)}.");
                }
            }

            return given;
        }

        var resolved = declared.ToArray();
        if (Unnamed is { } trailing && isOnlyInput)
        {
            if (trailing.Length > resolved.Length)
            {
                throw new InvalidInputException($"--input {string.Join('x', trailing)} has more dimensions than input {input} [{declaredText}]; e.g. --input {input}={Example(declared)}.");
            }

            var offset = resolved.Length - trailing.Length;
            for (var i = 0; i < trailing.Length; i++)
            {
                if (resolved[offset + i] > 0 && resolved[offset + i] != trailing[i])
                {
                    throw new InvalidInputException($"--input {string.Join('x', trailing)} does not fit input {input} [{declaredText}]: dimension {offset + i} is fixed at {resolved[offset + i]}; e.g. --input {input}={Example(declared)}.");
                }

                resolved[offset + i] = trailing[i];
            }
        }

        // A leading dynamic dimension is the batch: one sample per query, as MLPerf's edge scenarios issue them.
        if (resolved.Length > 1 && resolved[0] <= 0)
        {
            resolved[0] = 1;
        }

        if (resolved.Any(d => d <= 0))
        {
            throw new InvalidInputException($"Input {input} has dynamic dimensions [{declaredText}]; give its shape, e.g. --input {input}={Example(declared)}.");
        }

        return resolved;
    }

    private static long[] ParseDims(string text, string spec)
    {
        var parts = text.Split('x', 'X', '*');
        var dims = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] <= 0)
            {
                throw new InvalidInputException($"--input '{spec}' is not a shape; write positive dimensions joined by x, e.g. --input images=1x3x640x640 or --input 640x640.");
            }
        }

        return dims;
    }

    private static string Describe(IReadOnlyList<long> declared, IReadOnlyList<string?> symbolic) =>
        string.Join(", ", declared.Select((d, i) => d > 0 ? d.ToString(CultureInfo.InvariantCulture) : (i < symbolic.Count && !string.IsNullOrEmpty(symbolic[i]) ? symbolic[i]! : "?")));

    private static string Example(IReadOnlyList<long> declared) =>
        string.Join('x', declared.Select((d, i) => d > 0 ? d : i == 0 ? 1 : declared.Count == 4 && i == 1 ? 3 : 640));
}
