using System.Buffers.Binary;
using System.Text;
using WorkingPoint.Core;

namespace WorkingPoint.Gguf;

/// <summary>
/// Reads a GGUF header (v2 and v3, little-endian): metadata and tensor directory, checked against the file's length so a
/// truncated download or a damaged file is named, not loaded. Tensor data is not read.
/// </summary>
public static class GgufReader
{
    // Limits no real model approaches; past them the header is garbage and reading on would allocate without bound.
    private const long MaxEntries = 10_000_000;
    private const int MaxDimensions = 4;

    // The fewest bytes one entry can take in the file: a count past (bytes left) / (this) cannot be honest, and is refused
    // before anything is allocated for it.
    private const long MinTensorInfoBytes = 8 + 4 + 8 + 4 + 8; // name length, dimension count, one dimension, type, offset
    private const long MinMetadataBytes = 8 + 4 + 1; // key length, value type, a one-byte value

    /// <summary>The most elements one tensor may hold (2^50): beyond any model, far from overflowing a 64-bit byte count.</summary>
    public const long MaxTensorElements = 1L << 50;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static GgufFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new GgufFormatException($"{path}: no such GGUF file. Check the path.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(path, stream);
    }

    public static GgufFile Read(string path, Stream stream)
    {
        try
        {
            return ReadHeader(path, stream);
        }
        catch (EndOfStreamException)
        {
            throw new GgufFormatException($"{path}: the file ends inside its header ({stream.Length} bytes): it is truncated; download or generate it again.");
        }
    }

    private static GgufFile ReadHeader(string path, Stream stream)
    {
        var reader = new HeaderReader(stream, path);
        var magic = reader.UInt32();
        if (magic != GgufFile.Magic)
        {
            throw new GgufFormatException($"{path}: not a GGUF file (it starts with 0x{magic:X8}, a GGUF file with \"GGUF\"). Pass a .gguf model file.");
        }

        var version = reader.UInt32();
        if (version is not (2 or 3))
        {
            var swapped = BinaryPrimitives.ReverseEndianness(version);
            throw new GgufFormatException(swapped is 2 or 3
                ? $"{path}: a big-endian GGUF file; only little-endian files are read. Convert it on a little-endian machine."
                : version == 1
                    ? $"{path}: GGUF version 1 is obsolete; convert the model again with a current llama.cpp (versions 2 and 3 are read)."
                    : $"{path}: GGUF version {version} is not one this reader knows (2 and 3). Update WorkingPoint, or check the file.");
        }

        var tensorCount = reader.Count("tensor count", MinTensorInfoBytes);
        var metadataCount = reader.Count("metadata count", MinMetadataBytes);
        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        for (long i = 0; i < metadataCount; i++)
        {
            var key = reader.String();
            var type = (GgufValueType)reader.UInt32();
            metadata[key] = reader.Value(type, key);
        }

        var alignment = metadata.TryGetValue("general.alignment", out var a) && a.AsInteger is { } al ? al : GgufFile.DefaultAlignment;
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new GgufFormatException($"{path}: general.alignment is {alignment}; it must be a positive power of two. The file is damaged.");
        }

        var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 1 << 16));
        for (long i = 0; i < tensorCount; i++)
        {
            var name = reader.String();
            var dimensionCount = reader.UInt32();
            if (dimensionCount is 0 or > MaxDimensions)
            {
                throw new GgufFormatException($"{path}: tensor '{TerminalText.Clean(name)}' has {dimensionCount} dimensions (1 to {MaxDimensions} allowed). The file is damaged.");
            }

            var dims = new long[dimensionCount];
            long elements = 1;
            for (var d = 0; d < dimensionCount; d++)
            {
                var dim = reader.UInt64();
                if (dim is 0 or > int.MaxValue)
                {
                    throw new GgufFormatException($"{path}: tensor '{TerminalText.Clean(name)}' has a dimension of {dim} (each must be from 1 to {int.MaxValue}). The file is damaged.");
                }

                dims[d] = (long)dim;
                if (elements > MaxTensorElements / dims[d])
                {
                    throw new GgufFormatException($"{path}: tensor '{TerminalText.Clean(name)}' has more than {MaxTensorElements} elements (the limit). The file is damaged.");
                }

                elements *= dims[d];
            }

            var type = (GgmlType)reader.UInt32();
            var offset = reader.UInt64();
            if (offset > (ulong)stream.Length)
            {
                throw new GgufFormatException($"{path}: tensor '{TerminalText.Clean(name)}' starts at data offset {offset}, past the end of the {stream.Length}-byte file. The file is damaged or truncated.");
            }
            if (!GgmlTypeLayout.TryGet(type, out var layout))
            {
                throw new GgufFormatException($"{path}: tensor '{TerminalText.Clean(name)}' has ggml type {(uint)type}, which this reader does not know. Update WorkingPoint, or requantize the model to a common type (q4_0, q8_0, q4_K, f16).");
            }

            if (dims[0] % layout.BlockElements != 0)
            {
                throw new GgufFormatException($"{path}: tensor '{TerminalText.Clean(name)}' rows of {dims[0]} elements are not whole {layout.Name} blocks of {layout.BlockElements}. The file is damaged.");
            }

            tensors.Add(new GgufTensorInfo(name, dims, type, (long)offset));
        }

        var dataOffset = Align(stream.Position, alignment);
        var fileBytes = stream.Length;
        foreach (var tensor in tensors)
        {
            if (tensor.Offset % alignment != 0)
            {
                throw new GgufFormatException($"{path}: tensor '{tensor.Name}' starts at offset {tensor.Offset}, not a multiple of the alignment {alignment}. The file is damaged.");
            }

            var end = dataOffset + tensor.Offset + tensor.Bytes;
            if (end > fileBytes)
            {
                throw new GgufFormatException($"{path}: tensor '{tensor.Name}' ends at byte {end} but the file has {fileBytes}: it is truncated; download or generate it again.");
            }
        }

        return new GgufFile(path, version, metadata, tensors, alignment, dataOffset, fileBytes);
    }

    public static long Align(long position, long alignment) => (position + alignment - 1) / alignment * alignment;

    private sealed class HeaderReader(Stream stream, string path)
    {
        private readonly byte[] _buffer = new byte[8];

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(4));

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Fill(8));

        /// <summary>A count of entries each at least <paramref name="minBytesEach"/> long: bounded by the entries limit and by what the rest of the file can hold.</summary>
        public long Count(string what, long minBytesEach)
        {
            var count = UInt64();
            var left = Math.Max(0, stream.Length - stream.Position);
            if (count > MaxEntries)
            {
                throw new GgufFormatException($"{path}: the header's {what} is {count}, more than {MaxEntries} (the limit). The file is damaged or not GGUF.");
            }

            if ((long)count > left / minBytesEach)
            {
                throw new GgufFormatException($"{path}: the header's {what} is {count}, more than the {left} bytes left in the file can hold. The file is damaged or truncated.");
            }

            return (long)count;
        }

        public string String(string? key = null)
        {
            var length = UInt64();
            if (length > (ulong)Math.Max(0, stream.Length - stream.Position))
            {
                throw new EndOfStreamException();
            }

            var bytes = new byte[(int)length];
            stream.ReadExactly(bytes);
            try
            {
                // Strict: llama.cpp asserts on invalid UTF-8 in token text, so a damaged string is named here, not there.
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                var where = key is null ? $"a key or tensor name at byte {stream.Position - (long)length}" : $"metadata '{key}'";
                throw new GgufFormatException($"{path}: {where} holds bytes that are not valid UTF-8. The file is damaged; download or generate it again.");
            }
        }

        public GgufValue Value(GgufValueType type, string key)
        {
            if (type == GgufValueType.Array)
            {
                var elementType = (GgufValueType)UInt32();
                var count = Count($"length of array '{key}'", ElementBytes(elementType));
                if (elementType == GgufValueType.Array)
                {
                    throw new GgufFormatException($"{path}: metadata '{key}' is an array of arrays, which GGUF models do not use. The file is damaged.");
                }

                var values = new object[count];
                for (long i = 0; i < count; i++)
                {
                    values[i] = Scalar(elementType, key);
                }

                return new GgufValue(type, values, elementType);
            }

            return new GgufValue(type, Scalar(type, key));
        }

        private object Scalar(GgufValueType type, string key) => type switch
        {
            GgufValueType.UInt8 => (ulong)Fill(1)[0],
            GgufValueType.Int8 => (long)(sbyte)Fill(1)[0],
            GgufValueType.UInt16 => (ulong)BinaryPrimitives.ReadUInt16LittleEndian(Fill(2)),
            GgufValueType.Int16 => (long)BinaryPrimitives.ReadInt16LittleEndian(Fill(2)),
            GgufValueType.UInt32 => (ulong)UInt32(),
            GgufValueType.Int32 => (long)BinaryPrimitives.ReadInt32LittleEndian(Fill(4)),
            GgufValueType.UInt64 => UInt64(),
            GgufValueType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(Fill(8)),
            GgufValueType.Float32 => (double)BinaryPrimitives.ReadSingleLittleEndian(Fill(4)),
            GgufValueType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(Fill(8)),
            GgufValueType.Bool => Fill(1)[0] != 0,
            GgufValueType.String => String(key),
            _ => throw new GgufFormatException($"{path}: metadata '{key}' has value type {(uint)type}, which GGUF does not define. The file is damaged."),
        };

        private static long ElementBytes(GgufValueType type) => type switch
        {
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            _ => 1,
        };

        private ReadOnlySpan<byte> Fill(int count)
        {
            stream.ReadExactly(_buffer, 0, count);
            return _buffer.AsSpan(0, count);
        }
    }
}
