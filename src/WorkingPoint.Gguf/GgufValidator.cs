namespace WorkingPoint.Gguf;

/// <summary>
/// Checks a GGUF header for everything llama.cpp asserts on (an assert aborts the whole process, with no error to report), so a
/// bad file is refused with one line before llama.cpp sees it: norm epsilons finite and positive; rope dimensions positive, even
/// and within the head; the vocabulary's arrays of one length and its special token ids inside it; tensors with positive
/// dimensions, aligned offsets and data inside the file. Strings are checked as UTF-8 and counts against the file size when the
/// header is read (<see cref="GgufReader"/>).
/// </summary>
public static class GgufValidator
{
    private static readonly string[] SpecialTokens = ["bos", "eos", "unknown", "separator", "padding", "eot", "eom", "mask", "prefix", "suffix", "middle"];

    /// <summary>Throws <see cref="GgufFormatException"/> naming the file, the key or tensor, the problem and the rule.</summary>
    /// <param name="fileLength">The file's length in bytes now (it may have changed since the header was read).</param>
    public static void Validate(GgufFile file, long fileLength)
    {
        var path = file.Path;
        var arch = file.Architecture;
        if (arch is not null)
        {
            foreach (var key in new[] { $"{arch}.attention.layer_norm_rms_epsilon", $"{arch}.attention.layer_norm_epsilon" })
            {
                if (file.Get(key) is { } value && value.AsFloat is not (> 0 and < 1 and var _))
                {
                    throw Error(path, $"metadata '{key}' is {value}; a norm epsilon must be a finite number above 0 and below 1 (typically 1e-5 or 1e-6)");
                }
            }

            var heads = Integer(file, $"{arch}.attention.head_count");
            var hidden = Integer(file, $"{arch}.embedding_length");
            var headSize = Integer(file, $"{arch}.attention.key_length") ?? (heads is > 0 && hidden is > 0 ? hidden / heads : null);
            if (file.Get($"{arch}.rope.dimension_count") is { } ropeValue)
            {
                var rope = ropeValue.AsInteger;
                if (rope is not > 0 || rope % 2 != 0 || (headSize is { } size && rope > size))
                {
                    throw Error(path, $"metadata '{arch}.rope.dimension_count' is {ropeValue}; it must be a positive even number no larger than the head size ({headSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"})");
                }
            }

            foreach (var key in new[] { "embedding_length", "block_count", "attention.head_count", "attention.head_count_kv", "feed_forward_length", "context_length" })
            {
                if (file.Get($"{arch}.{key}") is { } count && count.AsInteger is not (> 0 and <= int.MaxValue))
                {
                    throw Error(path, $"metadata '{arch}.{key}' is {count}; it must be a whole number from 1 to {int.MaxValue}");
                }
            }
        }

        ValidateVocabulary(file);
        ValidateTensors(file, fileLength);
    }

    private static void ValidateVocabulary(GgufFile file)
    {
        var path = file.Path;
        var tokens = file.Get("tokenizer.ggml.tokens");
        if (tokens is null)
        {
            return;
        }

        if (tokens.Type != GgufValueType.Array || tokens.ElementType != GgufValueType.String || tokens.ArrayLength == 0)
        {
            throw Error(path, "metadata 'tokenizer.ggml.tokens' must be a non-empty array of strings");
        }

        var vocabulary = tokens.ArrayLength;
        foreach (var (key, elementTypes) in new[] { ("tokenizer.ggml.scores", new[] { GgufValueType.Float32 }), ("tokenizer.ggml.token_type", new[] { GgufValueType.Int32, GgufValueType.UInt32 }) })
        {
            if (file.Get(key) is not { } array)
            {
                continue;
            }

            if (array.Type != GgufValueType.Array || !elementTypes.Contains(array.ElementType ?? GgufValueType.Array) || array.ArrayLength != vocabulary)
            {
                throw Error(path, $"metadata '{key}' is {array}; it must be an array of {elementTypes[0].ToString().ToLowerInvariant()} with one entry per token ({vocabulary}, as tokenizer.ggml.tokens)");
            }
        }

        foreach (var name in SpecialTokens)
        {
            var key = $"tokenizer.ggml.{name}_token_id";
            if (file.Get(key) is not { } id)
            {
                continue;
            }

            // -1 (or its unsigned twin) is how some converters write "no such token".
            if (id.AsInteger is not { } tokenId || ((tokenId < 0 || tokenId >= vocabulary) && tokenId is not (-1 or uint.MaxValue)))
            {
                throw Error(path, $"metadata '{key}' is {id}, outside the vocabulary of {vocabulary} tokens (0 to {vocabulary - 1})");
            }
        }
    }

    private static void ValidateTensors(GgufFile file, long fileLength)
    {
        var path = file.Path;
        if (file.DataOffset > fileLength)
        {
            throw Error(path, $"tensor data would start at byte {file.DataOffset} but the file has {fileLength}: it is truncated");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in file.Tensors)
        {
            if (!names.Add(tensor.Name))
            {
                throw Error(path, $"tensor '{tensor.Name}' is listed twice");
            }

            long elements = 1;
            foreach (var dim in tensor.Dimensions)
            {
                if (dim <= 0 || elements > GgufReader.MaxTensorElements / dim)
                {
                    throw Error(path, $"tensor '{tensor.Name}' has dimensions {tensor.Shape}; each must be positive and the product at most {GgufReader.MaxTensorElements}");
                }

                elements *= dim;
            }

            if (tensor.Offset < 0 || tensor.Offset % file.Alignment != 0)
            {
                throw Error(path, $"tensor '{tensor.Name}' starts at data offset {tensor.Offset}, not a multiple of the alignment {file.Alignment}");
            }

            var end = file.DataOffset + tensor.Offset + tensor.Bytes;
            if (end > fileLength)
            {
                throw Error(path, $"tensor '{tensor.Name}' ends at byte {end} but the file has {fileLength}: it is truncated; download or generate it again");
            }
        }
    }

    private static long? Integer(GgufFile file, string key) => file.Get(key)?.AsInteger;

    private static GgufFormatException Error(string path, string problem) => new($"{path}: {problem}. The file is damaged or was written wrongly; download or generate it again.");
}
